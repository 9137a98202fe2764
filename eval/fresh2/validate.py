"""Check the round-5 fresh sets (eval/fresh2/dev.jsonl + heldout.jsonl, or items.jsonl while they are
being written) against the knowledge base. Adapted from eval/validate_fresh.py.

Run from anywhere:  python3 eval/fresh2/validate.py [--items]
Exits 1 on any error; warnings are printed but do not fail. Prints counts and ids only, never the
questions of a held-out split (neither eval/fresh2/heldout.jsonl nor eval/fresh/heldout.jsonl).

Differences from eval/validate_fresh.py:
- ids are "f2-<prefix>-NNN";
- the expectation is chosen honestly from the knowledge, not from the class: an in-catalog class
  (general, neighbours, detail, followup) may expect "referral" when no record answers the question,
  and an out_of_catalog item may expect "answer" when a document does answer it; both are counted
  and listed (ids) as warnings;
- duplicates are checked against every question under eval/ (answers_dev, retrieval_dev,
  nlu_test.yml, eval/fresh/dev.jsonl and, by comparison keys only, eval/fresh/heldout.jsonl);
- class counts and form shares are checked against the brief.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path


HERE = Path(__file__).resolve().parent
EVAL = HERE.parent
ROOT = EVAL.parent
sys.path.insert(0, str(EVAL))
from textkeys import closest, has_diacritics, key, knowledge_texts, nfc_fold  # noqa: E402

sys.path.insert(0, str(HERE))
import split  # noqa: E402  (eval/fresh2/split.py)

FORMS = ("accented", "accentless", "abbreviated")
CLASSES = split.CLASSES
EXPECTS = ("answer", "referral", "ask_procedure", "refusal")
PREFIX = {"general": "gen", "neighbours": "nb", "detail": "det", "followup": "fu", "no_context": "nc",
          "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"}
CLASS_EXPECT = {"general": {"answer", "referral"}, "neighbours": {"answer", "referral"},
                "detail": {"answer", "referral"}, "followup": {"answer", "referral"},
                "no_context": {"ask_procedure"}, "out_of_catalog": {"referral", "answer"},
                "portal_faq": {"answer", "referral"}, "out_of_scope": {"refusal"}}
# the class's usual expectation; the others are allowed but listed
USUAL = {"general": "answer", "neighbours": "answer", "detail": "answer", "followup": "answer",
         "out_of_catalog": "referral"}
COUNTS = {"general": 45, "neighbours": 45, "detail": 40, "followup": 30, "no_context": 10,
          "out_of_catalog": 40, "portal_faq": 40, "out_of_scope": 10}
SHARE = {"accented": 0.45, "accentless": 0.30, "abbreviated": 0.25}
REQUIRED = {"id": str, "class": str, "form": str, "turns": list, "expect": str, "records": list, "expect_any": list}
OPTIONAL = {"source": str, "relabelled": str}  # relabelled: when and why expect/records/expect_any changed

errors: list[str] = []
warnings: list[str] = []


# ---------------------------------------------------------------- knowledge base
record_text, titles, front_questions = knowledge_texts(ROOT)
kb_text = "\n".join(record_text.values())
kb_phrases = {key(t) for t in titles.values()}

# ---------------------------------------------------------------- every question already under eval/
old_questions: dict[str, str] = {}
for name in ("answers_dev.jsonl", "retrieval_dev.jsonl"):
    for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            old_questions[key(json.loads(line)["question"])] = name
nlu_test = EVAL / "nlu_test.yml"
if nlu_test.exists():
    for m in re.finditer(r"^\s*-\s+(.+)$", nlu_test.read_text(encoding="utf-8"), re.M):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", lambda g: g.group(1) or g.group(2) or "", m.group(1))
        old_questions.setdefault(key(text), "nlu_test.yml")
# the round-4 sets: read with eval/fresh/split.py's own reader; held-out questions are only keyed,
# never printed (a collision reports the fresh2 id and the file name only)
_spec = importlib.util.spec_from_file_location("fresh_split", EVAL / "fresh" / "split.py")
fresh_split = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fresh_split)
for name, path in (("fresh/dev.jsonl", fresh_split.DEV), ("fresh/heldout.jsonl", fresh_split.HELDOUT)):
    for row in fresh_split.read(path):
        turns = row.get("turns") or []
        old_questions.setdefault(key(" | ".join(turns)), name)


# ---------------------------------------------------------------- load and check
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
        for field, typ in REQUIRED.items():
            if not isinstance(row.get(field), typ):
                errors.append(f"{where}: field {field!r} missing or not {typ.__name__}")
        extra = set(row) - set(REQUIRED) - set(OPTIONAL)
        if extra:
            errors.append(f"{where}: unexpected fields {sorted(extra)}")
        row["_where"] = f"{where} ({row.get('id')})"
        row["_file"] = path.name
        rows.append(row)
    return rows


parser = argparse.ArgumentParser()
parser.add_argument("--items", action="store_true", help="check eval/fresh2/items.jsonl (before the split)")
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
for r in rows:
    w = r["_where"]
    cls, form, expect = r.get("class"), r.get("form"), r.get("expect")
    if cls not in CLASSES:
        errors.append(f"{w}: bad class {cls!r}")
        continue
    if not re.fullmatch(rf"f2-{PREFIX[cls]}-\d{{3}}", str(r.get("id", ""))):
        errors.append(f"{w}: id should be f2-{PREFIX[cls]}-NNN")
    if form not in FORMS:
        errors.append(f"{w}: bad form {form!r}")
    if expect not in EXPECTS or expect not in CLASS_EXPECT[cls]:
        errors.append(f"{w}: expect {expect!r} does not fit class {cls}")
    elif cls in USUAL and expect != USUAL[cls]:
        unusual.setdefault(f"{cls} -> {expect}", []).append(r["id"])
    turns = r.get("turns") or []
    if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        errors.append(f"{w}: turns must be non-empty strings")
        continue
    if (cls == "followup") != (len(turns) > 1):
        errors.append(f"{w}: followup items have 2+ turns, the others exactly 1")
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
    exp = r.get("expect_any") or []
    if not all(isinstance(s, str) and s.strip() for s in exp):
        errors.append(f"{w}: expect_any must hold non-empty strings")
        continue
    if expect == "TBD":
        continue
    if expect == "answer":
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
    if cls == "portal_faq" and not str(r.get("source", "")).startswith("http"):
        errors.append(f"{w}: portal_faq items cite their source page")
    if cls != "portal_faq" and "source" in r:
        errors.append(f"{w}: only portal_faq items carry a source")

# class counts and form shares
by_class = Counter(r.get("class") for r in rows)
for cls, n in COUNTS.items():
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
            errors.append(f"{r['_where']}: in the wrong file for the fixed-seed split (eval/fresh2/split.py)")

# ---------------------------------------------------------------- report
print(f"knowledge: {len(record_text)} records; fresh2 items: {len(rows)}; questions under eval/ compared: {len(old_questions)}")
print(f"{'class':16} {'dev':>4} {'held':>5} {'all':>4}  acc/noacc/abbr  answer/referral/ask/refusal")
for cls in CLASSES + ("total",):
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
    print(f"NOTE {what}: {len(which)} ({', '.join(which)})")
for w in warnings:
    print("WARNING", w)
for e in errors:
    print("ERROR", e)
print("OK" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
