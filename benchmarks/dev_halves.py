"""A change to the answering layer, measured on the dev halves of every evaluation set: the
passes and wrong cards of each question, before and after.

`run` replays the questions of the sets through the layer alone (`fitting.replay`, the set's own
questions left out of the bank of labelled questions) and scores each last reply with the
benchmarks' verdict (`fitting.verdict`). It writes one line per question to
var/dev_halves/<tag>/<set>.jsonl: id, pass, wrong card, what the reply did, the record it answered
and its text. `compare` lists the questions whose verdict changed between two tags, and the totals.

    .venv/bin/python benchmarks/dev_halves.py run TAG [--sets fresh,breadth] [--jobs 2] [--limit N] [--nlu]
    .venv/bin/python benchmarks/dev_halves.py compare BEFORE AFTER [--texts]

Default sets: the dev halves of every set a fit reads or tests (`fitting.READ` + `fitting.TESTING`).
Held-out halves are never run here: a test set's held-out half is read with
benchmarks/answer_quality.py and benchmarks/breadth.py, aggregates only (eval/README.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from fitting import READ, TESTING  # noqa: E402

OUT = ROOT / "var" / "dev_halves"


def _lines(name: str, limit: int, nlu: bool = False) -> List[Dict]:
    """One result line per question of eval/<name>/dev.jsonl (the first `limit`, 0: all)."""
    from fitting import replay, verdict

    out = []
    for _, _, item, _, _, reply in replay([(name, "dev")], nlu=nlu):
        judged = verdict(item, reply)
        marker = reply.payload()["dvc"]
        out.append({"id": item["id"], "pass": bool(judged["pass"]), "wrong": bool(judged["wrong_card"]),
                    "did": judged.get("behaviour") or judged.get("kind"), "answer_id": marker.get("answer_id"),
                    "text": reply.text})
        if limit and len(out) >= limit:
            break
    return out


def _run_sets(tag: str, names: Sequence[str], limit: int, nlu: bool = False) -> List[Tuple[str, int, int, int]]:
    folder = OUT / tag
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for name in names:
        rows = _lines(name, limit, nlu)
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        done.append((name, len(rows), sum(r["pass"] for r in rows), sum(r["wrong"] for r in rows)))
        print(f"  {name}: {done[-1][2]}/{done[-1][1]} passes, {done[-1][3]} wrong cards", flush=True)
    return done


def run(tag: str, names: Sequence[str], jobs: int, limit: int, nlu: bool = False) -> Tuple[int, int, int]:
    """Replay the dev halves of `names` in `jobs` processes; (questions, passes, wrong cards)."""
    missing = [n for n in names if not (ROOT / "eval" / n / "dev.jsonl").exists()]
    if missing:
        raise SystemExit(f"no eval/<set>/dev.jsonl for: {', '.join(missing)}")
    shares = [list(names[i::jobs]) for i in range(jobs) if names[i::jobs]]
    with ProcessPoolExecutor(max_workers=len(shares)) as pool:
        results = [r for part in pool.map(_run_sets, [tag] * len(shares), shares, [limit] * len(shares), [nlu] * len(shares)) for r in part]
    total = tuple(sum(r[i] for r in results) for i in (1, 2, 3))
    print(f"{tag}: {total[0]} questions, {total[1]} passes, {total[2]} wrong cards (var/dev_halves/{tag}/)")
    return total


def read(tag: str) -> Dict[str, List[Dict]]:
    folder = OUT / tag
    if not folder.is_dir():
        raise SystemExit(f"no results for {tag!r}: run `benchmarks/dev_halves.py run {tag}` first")
    return {p.stem: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
            for p in sorted(folder.glob("*.jsonl"))}


def changes(before: Dict[str, List[Dict]], after: Dict[str, List[Dict]]) -> Iterator[Tuple[str, str, Dict, Dict]]:
    """(set, sign, before, after) for every question both tags hold whose pass or wrong card
    changed: "+" now passes, "-" no longer passes, "~" another change (a wrong card more or less)."""
    for name in sorted(set(before) & set(after)):
        by_id = {r["id"]: r for r in before[name]}
        for new in after[name]:
            old = by_id.get(new["id"])
            if old is None or (old["pass"], old["wrong"]) == (new["pass"], new["wrong"]):
                continue
            sign = "+" if new["pass"] and not old["pass"] else "-" if old["pass"] and not new["pass"] else "~"
            yield name, sign, old, new


def compare(a: str, b: str, texts: bool) -> Dict[str, int]:
    before, after = read(a), read(b)
    common = set(before) & set(after)
    count = {"+": 0, "-": 0, "~": 0}
    for name, sign, old, new in changes(before, after):
        count[sign] += 1
        wrong = " wrong card" if new["wrong"] else ""
        print(f"{sign} {name} {new['id']}: {old['answer_id'] or old['did']} -> {new['answer_id'] or new['did']}{wrong}")
        if texts:
            print("    " + new["text"][:300].replace("\n", " / "))
    for tag, results in ((a, before), (b, after)):
        rows = [r for name in common for r in results[name]]
        print(f"{tag}: {len(rows)} questions, {sum(r['pass'] for r in rows)} passes, {sum(r['wrong'] for r in rows)} wrong cards")
    print(f"gained {count['+']}, lost {count['-']}, other changes {count['~']} (sets in both: {len(common)})")
    return count


def main(argv: Sequence[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="replay the dev halves and write var/dev_halves/TAG/")
    p_run.add_argument("tag")
    p_run.add_argument("--sets", default="", help="comma-separated set names (default: fitting.READ + TESTING)")
    p_run.add_argument("--jobs", type=int, default=2, help="processes (each loads the index: about 300 MB)")
    p_run.add_argument("--limit", type=int, default=0, help="first N questions of each set (smoke test)")
    p_run.add_argument("--nlu", action="store_true", help="each turn with the production NLU's parse (benchmarks/nlu_cache.py)")
    p_cmp = sub.add_parser("compare", help="the questions whose verdict changed between two tags")
    p_cmp.add_argument("before")
    p_cmp.add_argument("after")
    p_cmp.add_argument("--texts", action="store_true", help="print the start of each changed reply")
    args = parser.parse_args(argv)
    if args.command == "run":
        names = [n for n in args.sets.split(",") if n] or [*READ, *TESTING]
        run(args.tag, names, max(1, args.jobs), args.limit, args.nlu)
    else:
        compare(args.before, args.after, args.texts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
