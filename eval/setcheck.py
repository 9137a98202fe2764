"""What the validators of the fresh sets (eval/fresh2, eval/fresh3, eval/fresh4) share: load dev.jsonl +
heldout.jsonl (or items.jsonl while a set is being written), check them against the knowledge base and
against every question already under eval/, and print counts and ids only, never the questions of a
held-out split. Each set's validate.py describes its set in a `SetSpec` and calls `run(spec)`.

What `run` checks:
- fields and types; ids "<id_prefix>-<class prefix>-NNN"; class, form and expectation values;
- record ids exist (procedure yml stems, document ids); `expect_any` holds 1-3 strings, each copied
  verbatim (NFC, case-folded) from the knowledge, at least one from a listed record; referral,
  ask_procedure and refusal items take no records and no expect_any;
- forms: accentless turns have no diacritics, accented turns have some; shares near 45/30/25%;
- turns: followup items have several turns, the others exactly 1;
- duplicates: inside the set, and against every question under eval/ (answers_dev, retrieval_dev,
  nlu_test.yml, and the earlier fresh sets, their held-out files by comparison key only); close
  matches (difflib >= 0.8) to front-matter questions, and (optionally) to older questions, are warnings;
- portal_faq items cite a source page (optionally: not already cited by an earlier set, and no page
  cited twice);
- (optionally) the questions (id, class, form, turns, source) are those of the blind commit, written
  before the knowledge was read;
- class counts and the fixed-seed split (the set's split.py).
The expectation is chosen from the knowledge, not from the class: an in-catalog class may expect
"referral" when no record states the asked fact, and an out_of_catalog item may expect "answer" when a
record does; both are listed (ids) as NOTE lines.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

EVAL = Path(__file__).resolve().parent
ROOT = EVAL.parent
sys.path.insert(0, str(EVAL))
from textkeys import closest, has_diacritics, key, knowledge_texts, nfc_fold  # noqa: E402

FORMS = ("accented", "accentless", "abbreviated")
EXPECTS = ("answer", "referral", "ask_procedure", "refusal")
SHARE = {"accented": 0.45, "accentless": 0.30, "abbreviated": 0.25}
REQUIRED = {"id": str, "class": str, "form": str, "turns": list, "expect": str, "records": list, "expect_any": list}
OPTIONAL = {"source": str, "relabelled": str}  # relabelled: when and why expect/records/expect_any changed
QUESTION_FIELDS = ("class", "form", "turns", "source")
EXPECT_BY_CLASS = {"general": {"answer", "referral"}, "neighbours": {"answer", "referral"},
                   "detail": {"answer", "referral"}, "followup": {"answer", "referral"},
                   "no_context": {"ask_procedure"}, "out_of_catalog": {"referral", "answer"},
                   "portal_faq": {"answer", "referral"}, "out_of_scope": {"refusal"}}
USUAL_BY_CLASS = {"general": "answer", "neighbours": "answer", "detail": "answer", "followup": "answer",
                  "out_of_catalog": "referral"}


@dataclass
class SetSpec:
    name: str                    # "fresh3": the folder under eval/
    id_prefix: str               # "f3"
    split: ModuleType            # the set's split (DEV, HELDOUT, ITEMS, dev_ids): its split.py, or splitting.described
    prefix: dict[str, str]       # class -> id prefix; its order is the report order unless `classes`
    counts: dict[str, int]       # class -> items the brief asks for
    earlier: tuple[str, ...]     # earlier fresh sets to compare with, read with their own split (_load_split)
    classes: tuple[str, ...] = ()
    max_turns: int = 0           # followup items: 2..max_turns turns (0: 2 or more; old wording)
    close_to_old: bool = False   # warn about single-turn questions close to an older eval question
    single_turn_keys: bool = False  # also key the single turn of earlier sets' items
    sources_unique: bool = False # portal_faq pages not cited by earlier sets, nor twice in this set
    blind_commit: str = ""       # commit hash, or "grep:<message>" to find it by its commit message
    records_twice: bool = False  # error when a record is listed twice
    skip_tbd: bool = False       # expect "TBD" or null (questions being written) skips the expectation checks
    sorted_notes: bool = False   # NOTE lines list ids sorted
    header_sources: bool = False # the first report line also counts earlier portal_faq sources
    extra: dict = field(default_factory=dict)


def _load_split(folder: str):
    """eval/<folder>'s split: its set.json, or its own split.py (splitting.load_split)."""
    from splitting import load_split

    return load_split(folder)


def _blind_commit(spec: SetSpec) -> str:
    if not spec.blind_commit.startswith("grep:"):
        return spec.blind_commit
    out = subprocess.run(["git", "-C", str(ROOT), "log", "--full-history", "--format=%h", "-F", f"--grep={spec.blind_commit[5:]}",
                          "--", f"eval/{spec.name}/items.jsonl"],
                         capture_output=True, text=True, check=True, encoding="utf-8").stdout.split()
    if not out:
        raise subprocess.CalledProcessError(1, "git log")
    return out[-1]  # the oldest commit with that message


def run(spec: SetSpec) -> int:
    errors: list[str] = []
    warnings: list[str] = []
    classes = spec.classes or tuple(spec.prefix)
    class_expect = {c: EXPECT_BY_CLASS[c] for c in spec.prefix}
    usual = {c: e for c, e in USUAL_BY_CLASS.items() if c in spec.prefix}
    split = spec.split

    # ------------------------------------------------------------ knowledge base
    record_text, titles, front_questions = knowledge_texts(ROOT)
    kb_text = "\n".join(record_text.values())
    kb_phrases = {key(t) for t in titles.values()}

    # ------------------------------------------------------------ every question already under eval/
    old_questions: dict[str, str] = {}
    old_sources: dict[str, str] = {}
    for name in ("answers_dev.jsonl", "retrieval_dev.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                old_questions[key(json.loads(line)["question"])] = name
    nlu_test = EVAL / "nlu_test.yml"
    if nlu_test.exists():
        for m in re.finditer(r"^\s*-\s+(.+)$", nlu_test.read_text(encoding="utf-8"), re.M):
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", lambda g: g.group(1) or g.group(2) or "",
                          m.group(1))
            old_questions.setdefault(key(text), "nlu_test.yml")
    # the earlier sets, read with their own split.py readers; held-out questions are only keyed, never
    # printed (a collision reports this set's id and the file name only)
    for folder in spec.earlier:
        mod = _load_split(folder)
        for name, path in ((f"{folder}/dev.jsonl", mod.DEV), (f"{folder}/heldout.jsonl", mod.HELDOUT)):
            for row in mod.read(path):
                turns = row.get("turns") or []
                old_questions.setdefault(key(" | ".join(turns)), name)
                if spec.single_turn_keys and len(turns) == 1:
                    old_questions.setdefault(key(turns[0]), name)
                if spec.sources_unique and row.get("source"):
                    old_sources.setdefault(row["source"].strip().rstrip("/"), name)

    # ------------------------------------------------------------ load and check
    def load(path: Path) -> list[dict]:
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: not JSON ({exc})")
                continue
            for fld, typ in REQUIRED.items():
                if fld == "expect" and spec.skip_tbd and row.get(fld) is None:
                    continue  # unlabelled (questions being written blind)
                if not isinstance(row.get(fld), typ):
                    errors.append(f"{where}: field {fld!r} missing or not {typ.__name__}")
            extra = set(row) - set(REQUIRED) - set(OPTIONAL)
            if extra:
                errors.append(f"{where}: unexpected fields {sorted(extra)}")
            row["_where"] = f"{where} ({row.get('id')})"
            row["_file"] = path.name
            rows.append(row)
        return rows

    parser = argparse.ArgumentParser()
    parser.add_argument("--items", action="store_true",
                        help=f"check eval/{spec.name}/items.jsonl (before the split)")
    args = parser.parse_args()
    if args.items:
        rows = load(split.ITEMS)
    else:
        rows = load(split.DEV) + load(split.HELDOUT)

    ids = Counter(r.get("id") for r in rows)
    for i, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {i}")

    unusual: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    old_keys = list(old_questions)
    for r in rows:
        w = r["_where"]
        cls, form, expect = r.get("class"), r.get("form"), r.get("expect")
        unlabelled = spec.skip_tbd and expect in ("TBD", None)
        if cls not in classes:
            errors.append(f"{w}: bad class {cls!r}")
            continue
        if not re.fullmatch(rf"{spec.id_prefix}-{spec.prefix[cls]}-\d{{3}}", str(r.get("id", ""))):
            errors.append(f"{w}: id should be {spec.id_prefix}-{spec.prefix[cls]}-NNN")
        if form not in FORMS:
            errors.append(f"{w}: bad form {form!r}")
        if unlabelled:
            pass
        elif expect not in EXPECTS or expect not in class_expect[cls]:
            errors.append(f"{w}: expect {expect!r} does not fit class {cls}")
        elif cls in usual and expect != usual[cls]:
            unusual.setdefault(f"{cls} -> {expect}", []).append(r["id"])
        turns = r.get("turns") or []
        if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            errors.append(f"{w}: turns must be non-empty strings")
            continue
        if not spec.max_turns:
            if (cls == "followup") != (len(turns) > 1):
                errors.append(f"{w}: followup items have 2+ turns, the others exactly 1")
        else:
            if cls == "followup" and not 2 <= len(turns) <= spec.max_turns:
                errors.append(f"{w}: followup items have 2-{spec.max_turns} turns")
            if cls != "followup" and len(turns) != 1:
                errors.append(f"{w}: only followup items have more than 1 turn")
        for t in turns:
            if unicodedata.normalize("NFC", t) != t:
                errors.append(f"{w}: turn is not NFC")
            if form == "accentless" and has_diacritics(t):
                errors.append(f"{w}: accentless turn has diacritics")
            if form == "accented" and not has_diacritics(t):
                errors.append(f"{w}: accented turn has no diacritics")
        last = key(turns[-1])
        full = key(" | ".join(turns))
        if full in seen:
            errors.append(f"{w}: duplicate question (also {seen[full]})")
        seen[full] = w
        if full in old_questions:
            errors.append(f"{w}: question already in eval/{old_questions[full]}")
        elif len(turns) == 1 and last in old_questions:
            errors.append(f"{w}: question already in eval/{old_questions[last]}")
        elif spec.close_to_old and len(turns) == 1:
            best, ratio = closest(last, old_keys) or (None, 0.0)
            if best is not None:
                warnings.append(f"{w}: close to a question in eval/{old_questions[best]} ({ratio:.2f})")
        if len(turns) == 1 and last in front_questions:
            errors.append(f"{w}: equals a front-matter question of {front_questions[last]}")
        elif len(turns) == 1 and front_questions:
            best, ratio = closest(last, front_questions) or (None, 0.0)
            if best is not None:
                warnings.append(f"{w}: close to a front-matter question of {front_questions[best]} ({ratio:.2f})")
        if last in kb_phrases:
            errors.append(f"{w}: the question is a record's title or name")
        records = r.get("records") or []
        for rid in records:
            if rid not in record_text:
                errors.append(f"{w}: unknown record id {rid!r}")
        if spec.records_twice and len(set(records)) != len(records):
            errors.append(f"{w}: a record is listed twice")
        exp = r.get("expect_any") or []
        if not all(isinstance(s, str) and s.strip() for s in exp):
            errors.append(f"{w}: expect_any must hold non-empty strings")
            continue
        if unlabelled and expect == "TBD":
            continue
        if unlabelled:
            if records or exp:
                errors.append(f"{w}: an unlabelled line takes no records and no expect_any")
        elif expect == "answer":
            if not records or not exp:
                errors.append(f"{w}: expect=answer needs records and expect_any")
                continue
            if len(exp) > 3:
                errors.append(f"{w}: expect_any holds 1-3 strings")
            in_records = [s for s in exp if any(nfc_fold(s) in record_text.get(rid, "") for rid in records)]
            if not in_records:
                errors.append(f"{w}: no expect_any string occurs verbatim in the listed records {records}: {exp}")
            for s in exp:
                if nfc_fold(s) not in kb_text:
                    errors.append(f"{w}: expect_any string {s!r} is not in the knowledge base")
                elif s not in in_records:
                    warnings.append(f"{w}: {s!r} is in the knowledge but not in the listed records")
        else:
            if exp:
                errors.append(f"{w}: expect={expect} takes no expect_any")
            if records:
                errors.append(f"{w}: expect={expect} takes no records (a card is then a wrong card)")
        if cls == "portal_faq":
            source = str(r.get("source", "")).strip()
            if not source.startswith("http"):
                errors.append(f"{w}: portal_faq items cite their source page")
            elif spec.sources_unique and source.rstrip("/") in old_sources:
                errors.append(f"{w}: source page already paraphrased in eval/{old_sources[source.rstrip('/')]}")
        if cls != "portal_faq" and "source" in r:
            errors.append(f"{w}: only portal_faq items carry a source")

    if spec.sources_unique:
        sources = Counter(str(r.get("source", "")).rstrip("/") for r in rows if r.get("source"))
        for s, c in sources.items():
            if c > 1:
                errors.append(f"{c} items cite the same source page: "
                              f"{', '.join(r['id'] for r in rows if str(r.get('source', '')).rstrip('/') == s)}")

    # the questions are those of the blind commit
    if spec.blind_commit:
        label = spec.blind_commit
        try:
            label = _blind_commit(spec)
            blind_text = subprocess.run(["git", "-C", str(ROOT), "show", f"{label}:eval/{spec.name}/items.jsonl"],
                                        capture_output=True, text=True, check=True, encoding="utf-8").stdout
            blind = {b["id"]: b for b in (json.loads(line) for line in blind_text.splitlines() if line.strip())}
            if set(blind) != {r.get("id") for r in rows}:
                errors.append(f"ids differ from the blind commit {label}")
            for r in rows:
                b = blind.get(r.get("id"))
                if b is not None and any(b.get(f) != r.get(f) for f in QUESTION_FIELDS):
                    errors.append(f"{r['_where']}: question changed since the blind commit {label}")
        except (OSError, subprocess.CalledProcessError):
            warnings.append(f"could not read the blind commit {label}; questions not compared with it")

    # class counts and form shares
    by_class = Counter(r.get("class") for r in rows)
    for cls, n in spec.counts.items():
        if by_class.get(cls, 0) != n:
            errors.append(f"class {cls}: {by_class.get(cls, 0)} items, the brief asks for {n}")
    by_form = Counter(r.get("form") for r in rows)
    for form, share in SHARE.items():
        got = by_form.get(form, 0) / max(len(rows), 1)
        if abs(got - share) > 0.05:
            warnings.append(f"form {form}: {got:.0%} of items, the brief asks for about {share:.0%}")

    # the split
    if not args.items:
        chosen = split.dev_ids(rows)
        for r in rows:
            if (r["id"] in chosen) != (r["_file"] == "dev.jsonl"):
                errors.append(f"{r['_where']}: in the wrong file for the fixed-seed split (eval/{spec.name}/split.py)")

    # ------------------------------------------------------------ report
    head = (f"knowledge: {len(record_text)} records; {spec.name} items: {len(rows)}; questions under eval/ compared: "
            f"{len(old_questions)}")
    if spec.header_sources:
        head += f"; earlier portal_faq sources: {len(old_sources)}"
    print(head)
    print(f"{'class':16} {'dev':>4} {'held':>5} {'all':>4}  acc/noacc/abbr  answer/referral/ask/refusal")
    for cls in classes + ("total",):
        sel = rows if cls == "total" else [r for r in rows if r.get("class") == cls]
        c = Counter(r.get("form") for r in sel)
        e = Counter(r.get("expect") for r in sel)
        d = sum(1 for r in sel if r["_file"] == "dev.jsonl")
        print(f"{cls:16} {d:>4} {len(sel) - d:>5} {len(sel):>4}  {c['accented']}/{c['accentless']}/{c['abbreviated']}"
              f"  {e['answer']}/{e['referral']}/{e['ask_procedure']}/{e['refusal']}")
    covered = {rid for r in rows for rid in r.get("records") or []}
    print(f"records named as acceptable answers: {len(covered)} of {len(record_text)}")
    print(f"relabelled lines: {sum(1 for r in rows if r.get('relabelled'))}")
    for what, which in sorted(unusual.items()):
        print(f"NOTE {what}: {len(which)} ({', '.join(sorted(which) if spec.sorted_notes else which)})")
    for w in warnings:
        print("WARNING", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0
