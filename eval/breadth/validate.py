"""Check the breadth set (eval/breadth/dev.jsonl + heldout.jsonl, or items.jsonl before the split).

Standard library only. Prints counts and item ids, never a question's text.

    python3 eval/breadth/validate.py [--items]

Checks: every line's fields; ids br-NNN, unique; forms (accentless: no diacritics and no đ;
accented: some diacritics; abbreviated: at least one abbreviation); NFC; each target record exists
as knowledge/procedures/<id>.yml and is not one of the 31 original procedures; each code exists in
knowledge/registry/*.yml with that name; record and code agree with the registry (both given when
both exist); `field` is the registry file of the target; no target twice; no question shares three
or more consecutive words with its target's official name (bar a few core nouns); no question equals
or is close (difflib ratio >= 0.8, lowercase, no accents) to another of the set, a question in
eval/fresh*/dev.jsonl or a sentence of eval/nlu_test.yml; form shares within 5 points of 45/30/25;
the fixed-seed split (split.py). Exit 1 on any error.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import split  # noqa: E402

ORIGINAL_31 = frozenset("""
cap-doi-giay-chung-nhan-quyen-su-dung-dat cap-giay-phep-xay-dung-nha-o-rieng-le cap-ho-chieu
cap-lai-giay-chung-nhan-bi-mat cap-lai-the-bhyt cap-phieu-ly-lich-tu-phap cap-the-can-cuoc
chung-thuc-ban-sao chung-thuc-chu-ky chung-thuc-hop-dong-giao-dich
chuyen-muc-dich-su-dung-dat-khong-phai-xin-phep chuyen-muc-dich-su-dung-dat-phai-xin-phep
dang-ky-bien-dong-chuyen-nhuong-dat dang-ky-bien-dong-thua-ke-tang-cho-dat
dang-ky-dat-dai-cap-gcn-lan-dau dang-ky-ho-kinh-doanh dang-ky-ket-hon dang-ky-khai-sinh
dang-ky-khai-tu dang-ky-tam-tru dang-ky-thuong-tru dang-ky-xe doi-giay-phep-lai-xe
huong-bhxh-mot-lan lien-thong-khai-sinh-thuong-tru-bhyt
lien-thong-khai-tu-xoa-thuong-tru-mai-tang-phi tach-ho tach-hop-thua-dat thu-hoi-dang-ky-xe
tro-cap-huu-tri-xa-hoi tro-cap-that-nghiep
""".split())
assert len(ORIGINAL_31) == 31

FORMS = {"accented": 0.45, "accentless": 0.30, "abbreviated": 0.25}
FIELDS = {"id": str, "form": str, "question": str, "target": dict, "field": str}
TARGET_FIELDS = {"record": str, "code": str, "name": str}
ABBREVIATIONS = frozenset("""
e a ko k j ntn dc đc bn mn hs tk gđ gd r h mún lm vs trc ng nc cty hkd kd đk dk bhyt bhxh cccd dvc
vneid htx tq vn ct07 t tr
""".split())
# core nouns a question may share with an official name although they are three words or more
CORE_NOUNS = frozenset({"giay khai sinh", "the can cuoc", "nuoi con nuoi", "nghia vu quan su",
                        "ho kinh doanh", "giay phep xay dung", "bao hiem y te", "bao hiem xa hoi"})
CLOSE = 0.8
EARLIER_SETS = frozenset({"fresh", "fresh2", "fresh3", "fresh4", "fresh5"})  # written before eval/breadth


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", strip_accents(text))).strip()


def has_diacritics(text: str) -> bool:
    if "đ" in text or "Đ" in text:
        return True
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", text))


def scalar(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return json.loads(raw)
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    return raw


def registry() -> list[dict]:
    """code, name, record and file stem of every registry entry (the other fields are not read)."""
    out: list[dict] = []
    for path in sorted((ROOT / "knowledge" / "registry").glob("*.yml")):
        cur = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^  - (\w+):(.*)$", line)
            if m:
                cur = {"file": path.stem, "code": "", "name": "", "record": ""}
                out.append(cur)
            else:
                m = re.match(r"^    (\w+):(.*)$", line)
                if not m or cur is None:
                    continue
            k, v = m.groups()
            if k in ("code", "name", "record"):
                cur[k] = scalar(v)
    return out


def also_covers(rec: str, code: str, reg: list[dict]) -> bool:
    """The record `rec` also covers the separately coded procedure `code`: the registry links the
    code to it, and the record's own code (the first entry that links to it) is another. A record of
    the 31 that covers such a procedure ("Cấp, đổi, cấp lại thẻ căn cước" for "Cấp đổi", round 15)
    may be a breadth target under that code."""
    own = next((e["code"] for e in reg if e["record"] == rec and e["code"]), "")
    return bool(code) and bool(own) and own != code and any(e["code"] == code and e["record"] == rec for e in reg)


def record_names() -> dict[str, str]:
    """id -> the `name:` line of every procedure record (nothing else of the file is read)."""
    names = {}
    for path in sorted((ROOT / "knowledge" / "procedures").glob("*.yml")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.startswith("name:"):
                    names[path.stem] = scalar(line[5:])
                    break
    return names


def longest_shared_run(a: str, b: str) -> tuple[int, str]:
    x, y = key(a).split(), key(b).split()
    best, words = 0, ""
    for i in range(len(x)):
        for j in range(len(y)):
            k = 0
            while i + k < len(x) and j + k < len(y) and x[i + k] == y[j + k]:
                k += 1
            if k > best:
                best, words = k, " ".join(x[i:i + k])
    return best, words


def earlier_questions() -> list[tuple[str, str]]:
    """(comparison key, file) of every question in the fresh sets written before this one
    (eval/fresh .. fresh5, dev.jsonl) and eval/nlu_test.yml. A later set checks itself against
    this one. Only keys are kept; nothing of them is printed."""
    out = []
    for path in sorted((ROOT / "eval").glob("fresh*/dev.jsonl")):
        if path.parent.name not in EARLIER_SETS:
            continue
        name = f"{path.parent.name}/{path.name}"
        for row in split.read(path):
            turns = row.get("turns") or ([row["question"]] if row.get("question") else [])
            for t in turns:
                out.append((key(t), name))
            if len(turns) > 1:
                out.append((key(" | ".join(turns)), name))
    nlu = ROOT / "eval" / "nlu_test.yml"
    if nlu.exists():
        for m in re.finditer(r"^\s*-\s+(.+)$", nlu.read_text(encoding="utf-8"), re.M):
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}",
                          lambda g: g.group(1) or g.group(2) or "", m.group(1))
            out.append((key(text), "nlu_test.yml"))
    return out


def closest(text: str, candidates: list[str]) -> tuple[int, float] | None:
    matcher = difflib.SequenceMatcher(None, "", text)
    best, best_ratio = None, CLOSE
    for n, cand in enumerate(candidates):
        matcher.set_seq1(cand)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        r = matcher.ratio()
        if r >= best_ratio:
            best, best_ratio = n, r
    return (best, best_ratio) if best is not None else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", action="store_true", help="check items.jsonl (before the split)")
    args = parser.parse_args()
    errors: list[str] = []
    warnings: list[str] = []

    reg = registry()
    by_code = {}
    for e in reg:
        if e["code"]:
            by_code.setdefault(e["code"], []).append(e)
    codes_of_record: dict[str, set[str]] = {}
    file_of_record: dict[str, set[str]] = {}
    for e in reg:
        if e["record"]:
            file_of_record.setdefault(e["record"], set()).add(e["file"])
            if e["code"]:
                codes_of_record.setdefault(e["record"], set()).add(e["code"])
    names = record_names()

    def load(path: Path, file_label: str) -> list[dict]:
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines() if path.exists() else [], 1):
            where = f"{path.name}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                errors.append(f"{where}: not JSON")
                continue
            if not isinstance(row, dict):
                errors.append(f"{where}: not an object")
                continue
            row["_where"], row["_file"] = f"{where} ({row.get('id')})", file_label
            rows.append(row)
        return rows

    if args.items:
        rows = load(split.ITEMS, "items")
        if not rows:
            errors.append("items.jsonl is missing or empty")
    else:
        rows = load(split.DEV, "dev") + load(split.HELDOUT, "heldout")
        if not rows:
            errors.append("dev.jsonl and heldout.jsonl are missing or empty")

    ids = Counter(r.get("id") for r in rows)
    for i, c in sorted(ids.items(), key=lambda x: str(x[0])):
        if c > 1:
            errors.append(f"duplicate id {i}")

    seen_targets: dict[str, str] = {}
    seen_keys: list[str] = []
    seen_ids: list[str] = []
    old = earlier_questions()
    old_keys = [k for k, _ in old]
    with_record = registry_only = 0
    for r in rows:
        w = r["_where"]
        got = {k for k in r if not k.startswith("_")}
        if got != set(FIELDS):
            errors.append(f"{w}: fields {sorted(got)}, expected {sorted(FIELDS)}")
        if any(not isinstance(r.get(k), t) for k, t in FIELDS.items()):
            errors.append(f"{w}: a field has the wrong type")
            continue
        if not re.fullmatch(r"br-\d{3}", r["id"]):
            errors.append(f"{w}: id should be br-NNN")
        q, form = r["question"], r["form"]
        if not q.strip():
            errors.append(f"{w}: empty question")
            continue
        if unicodedata.normalize("NFC", q) != q:
            errors.append(f"{w}: question is not NFC")
        if form not in FORMS:
            errors.append(f"{w}: bad form {form!r}")
        elif form == "accentless" and has_diacritics(q):
            errors.append(f"{w}: accentless question has diacritics or đ")
        elif form == "accented" and not has_diacritics(q):
            errors.append(f"{w}: accented question has no diacritics")
        elif form == "abbreviated" and not any(
                tok in ABBREVIATIONS or key(tok) in ABBREVIATIONS or re.fullmatch(r"\d+(t|tr)", tok)
                for tok in re.findall(r"[\wđĐ]+", q.lower())):
            errors.append(f"{w}: abbreviated question has no abbreviation")

        t = r["target"]
        if set(t) != set(TARGET_FIELDS) or any(not isinstance(t.get(k), v) for k, v in TARGET_FIELDS.items()):
            errors.append(f"{w}: target must be {{record, code, name}} strings")
            continue
        rec, code, name = t["record"], t["code"], t["name"]
        if not rec and not code:
            errors.append(f"{w}: target has neither record nor code")
            continue
        if rec:
            if rec not in names:
                errors.append(f"{w}: record {rec!r} is not knowledge/procedures/{rec}.yml")
            if rec in ORIGINAL_31 and not also_covers(rec, code, reg):
                errors.append(f"{w}: record {rec!r} is one of the 31 original procedures")
            if not code and codes_of_record.get(rec):
                errors.append(f"{w}: the registry gives {rec!r} a code; give it too")
        if code:
            entries = by_code.get(code)
            if not entries:
                errors.append(f"{w}: code {code!r} is not in knowledge/registry/*.yml")
                continue
            entry = entries[0]
            if entry["name"] != name:
                errors.append(f"{w}: name differs from the registry's name for {code}")
            if entry["record"] != rec:
                errors.append(f"{w}: the registry links {code} to record {entry['record']!r}, not {rec!r}")
            if r["field"] != entry["file"]:
                errors.append(f"{w}: field should be {entry['file']!r} (the registry file of {code})")
        else:
            if rec in names and names[rec] != name:
                errors.append(f"{w}: name differs from the record's name line")
            if r["field"] not in file_of_record.get(rec, set()):
                errors.append(f"{w}: field should be the registry file that lists {rec!r}")
        if rec:
            with_record += 1
        else:
            registry_only += 1
        tkey = f"code:{code}" if code else f"record:{rec}"  # a record may cover two coded procedures
        if tkey in seen_targets:
            errors.append(f"{w}: target already used by {seen_targets[tkey]}")
        seen_targets[tkey] = r["id"]
        if code:
            ckey = f"code:{code}"
            if ckey in seen_targets and seen_targets[ckey] != r["id"]:
                errors.append(f"{w}: code already used by {seen_targets[ckey]}")
            seen_targets[ckey] = r["id"]

        # wording: no run of 3+ words of the official names (record name too), core nouns aside
        for official in {name, names.get(rec, "")} - {""}:
            n, words = longest_shared_run(q, official)
            if n >= 3 and words not in CORE_NOUNS:
                errors.append(f"{w}: shares {n} consecutive words with the official name")

        k = key(q)
        hit = closest(k, seen_keys)
        if hit:
            errors.append(f"{w}: close to {seen_ids[hit[0]]} of this set ({hit[1]:.2f})")
        seen_keys.append(k)
        seen_ids.append(r["id"])
        hit = closest(k, old_keys)
        if hit:
            errors.append(f"{w}: equal or close to a question in eval/{old[hit[0]][1]} ({hit[1]:.2f})")

    # form shares
    n = max(len(rows), 1)
    by_form = Counter(r.get("form") for r in rows)
    for form, share in FORMS.items():
        got = by_form.get(form, 0) / n
        if abs(got - share) > 0.05:
            errors.append(f"form {form}: {got:.0%} of items, the brief asks for about {share:.0%}")

    # the split
    if not args.items:
        chosen = split.dev_ids([r for r in rows if isinstance(r.get("id"), str)])
        for r in rows:
            if isinstance(r.get("id"), str) and (r["id"] in chosen) != (r["_file"] == "dev"):
                errors.append(f"{r['_where']}: in the wrong file for the fixed-seed split (split.py)")
        dev_n = sum(1 for r in rows if r["_file"] == "dev")
        if dev_n != min(split.DEV_SIZE, len(rows)):
            errors.append(f"dev holds {dev_n} items, expected {min(split.DEV_SIZE, len(rows))}")

    # report: counts only
    dev_n = sum(1 for r in rows if r["_file"] == "dev")
    print(f"breadth items: {len(rows)} (dev {dev_n}, heldout {sum(1 for r in rows if r['_file'] == 'heldout')}"
          f"{', unsplit ' + str(len(rows)) if args.items else ''}); earlier questions compared: {len(old)}")
    print("forms: " + ", ".join(f"{f} {by_form.get(f, 0)} ({by_form.get(f, 0) / n:.0%})" for f in FORMS))
    print(f"targets: {with_record} with a full record, {registry_only} registry-only; "
          f"{len({r['target']['code'] for r in rows if isinstance(r.get('target'), dict) and r['target'].get('code')})} codes")
    fields = Counter(r.get("field") for r in rows)
    print("fields: " + ", ".join(f"{f} {c}" for f, c in sorted(fields.items(), key=lambda x: (-x[1], str(x[0])))))
    if not args.items:
        for part in ("dev", "heldout"):
            sel = [r for r in rows if r["_file"] == part]
            c = Counter(r.get("form") for r in sel)
            rec = sum(1 for r in sel if isinstance(r.get("target"), dict) and r["target"].get("record"))
            print(f"{part}: {len(sel)} items; {c['accented']}/{c['accentless']}/{c['abbreviated']} "
                  f"accented/accentless/abbreviated; {rec} with a full record, {len(sel) - rec} registry-only")
    for x in warnings:
        print("WARNING", x)
    for x in errors:
        print("ERROR", x)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
