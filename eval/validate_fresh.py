"""Check the round-4 fresh sets (eval/fresh/dev.jsonl, eval/fresh/heldout.jsonl) against the
knowledge base.

Run from anywhere:  python3 eval/validate_fresh.py
Exits 1 on any error; warnings are printed but do not fail. Prints counts only (ids on errors),
never the held-out questions themselves.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from textkeys import closest, has_diacritics, key, knowledge_texts, nfc_fold, strip_accents  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
FRESH = EVAL / "fresh"
sys.path.insert(0, str(FRESH))

import split  # noqa: E402

FORMS = ("accented", "accentless", "abbreviated")
CLASSES = split.CLASSES
EXPECTS = ("answer", "referral", "ask_procedure", "refusal")
PREFIX = {"general": "gen", "neighbours": "nb", "detail": "det", "followup": "fu", "no_context": "nc",
          "out_of_catalog": "ooc", "portal_faq": "faq", "out_of_scope": "oos"}
# the behaviour each class expects (portal_faq: answer when a record of ours answers it, else referral;
# out_of_catalog was written against the 31 records of 2026-11-24 and expects a referral, unless one of the
# records added on 2026-12-02 now answers it: those lines were relabelled to "answer" and carry "relabelled")
CLASS_EXPECT = {"general": {"answer"}, "neighbours": {"answer"}, "detail": {"answer"}, "followup": {"answer"},
                "no_context": {"ask_procedure"}, "out_of_catalog": {"referral", "answer"},
                "portal_faq": {"answer", "referral"}, "out_of_scope": {"refusal"}}
REQUIRED = {"id": str, "class": str, "form": str, "turns": list, "expect_any": list, "records": list, "expect": str}
OPTIONAL = {"source": str, "relabelled": str}  # relabelled: when and why expect/records/expect_any changed

errors: list[str] = []
warnings: list[str] = []


# ---------------------------------------------------------------- knowledge base
record_text, titles, front_questions = knowledge_texts(ROOT)
kb_text = "\n".join(record_text.values())
kb_phrases = {key(t) for t in titles.values()}

# questions of the older dev sets (a fresh question must be new wording)
old_questions: set[str] = set()
for name in ("answers_dev.jsonl", "retrieval_dev.jsonl"):
    for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            old_questions.add(key(json.loads(line)["question"]))


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


rows = load(FRESH / "dev.jsonl") + load(FRESH / "heldout.jsonl")
ids = Counter(r.get("id") for r in rows)
for i, c in ids.items():
    if c > 1:
        errors.append(f"duplicate id {i}")

seen: dict[str, str] = {}
for r in rows:
    w = r["_where"]
    cls, form, expect = r.get("class"), r.get("form"), r.get("expect")
    if cls not in CLASSES:
        errors.append(f"{w}: bad class {cls!r}")
        continue
    if not str(r.get("id", "")).startswith(PREFIX[cls] + "-"):
        errors.append(f"{w}: id should start with {PREFIX[cls]}-")
    if form not in FORMS:
        errors.append(f"{w}: bad form {form!r}")
    if expect not in EXPECTS or expect not in CLASS_EXPECT[cls]:
        errors.append(f"{w}: expect {expect!r} does not fit class {cls}")
    elif cls == "out_of_catalog" and expect == "answer" and not r.get("relabelled"):
        errors.append(f"{w}: an out_of_catalog item expects answer only when relabelled for a later record")
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
    if len(turns) == 1 and last in old_questions:
        errors.append(f"{w}: question already in answers_dev/retrieval_dev")
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
    if expect == "answer":
        if not records or not exp:
            errors.append(f"{w}: expect=answer needs records and expect_any")
            continue
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
        if expect != "referral" and records:
            errors.append(f"{w}: expect={expect} takes no records")
        if expect == "referral" and records:
            errors.append(f"{w}: referral items list no record (a card is then a wrong card)")
    if cls == "portal_faq" and not str(r.get("source", "")).startswith("http"):
        errors.append(f"{w}: portal_faq items cite their source page")
    if cls != "portal_faq" and "source" in r:
        errors.append(f"{w}: only portal_faq items carry a source")

# the split
chosen = split.dev_ids(rows)
for r in rows:
    if (r["id"] in chosen) != (r["_file"] == "dev.jsonl"):
        errors.append(f"{r['_where']}: in the wrong file for the fixed-seed split (eval/fresh/split.py)")

# ---------------------------------------------------------------- report
print(f"knowledge: {len(record_text)} records; fresh items: {len(rows)}")
print(f"{'class':16} {'dev':>4} {'held':>5} {'all':>4}  accented/accentless/abbreviated")
for cls in CLASSES + ("total",):
    sel = rows if cls == "total" else [r for r in rows if r.get("class") == cls]
    c = Counter(r.get("form") for r in sel)
    d = sum(1 for r in sel if r["_file"] == "dev.jsonl")
    print(f"{cls:16} {d:>4} {len(sel) - d:>5} {len(sel):>4}  {c['accented']}/{c['accentless']}/{c['abbreviated']}")
core = [r for r in rows if r.get("class") in ("general", "neighbours", "detail")]
c = Counter(r.get("form") for r in core)
print(f"classes 1-3: {len(core)} ({', '.join(f'{f} {c[f]}' for f in FORMS)})")
faq = [r for r in rows if r.get("class") == "portal_faq"]
print(f"portal_faq: {sum(1 for r in faq if r.get('records'))} answered by a record of ours, "
      f"{sum(1 for r in faq if not r.get('records'))} not (referral expected)")
ooc = [r for r in rows if r.get("class") == "out_of_catalog"]
print(f"out_of_catalog: {sum(1 for r in ooc if r.get('expect') == 'answer')} answered by a record added later, "
      f"{sum(1 for r in ooc if r.get('expect') == 'referral')} referral")
print(f"relabelled lines: {sum(1 for r in rows if r.get('relabelled'))}")
covered = {rid for r in rows for rid in r.get("records") or []}
print(f"records named as acceptable answers: {len(covered)} of {len(record_text)}")
for w in warnings:
    print("WARNING", w)
for e in errors:
    print("ERROR", e)
print("OK" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
