"""Check eval/retrieval_dev.jsonl and eval/answers_dev.jsonl against the knowledge base.

Run from anywhere:  python3 eval/validate.py
Exits 1 on any error; warnings are printed but do not fail.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from textkeys import closest, has_diacritics, key, strip_accents  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
DOCS = ROOT / "knowledge" / "docs"
PROCS = ROOT / "knowledge" / "procedures"

FORMS = ("accented", "accentless", "abbreviated")
TOPICS = (
    "procedure-time", "procedure-fee", "procedure-documents", "procedure-where", "procedure-online",
    "access", "security", "troubleshooting", "benefits", "support",
    "greeting", "out_of_scope", "handoff", "feedback",
)
KB_TOPICS = tuple(t for t in TOPICS if t not in ("greeting", "out_of_scope", "handoff", "feedback"))
# The 31 procedure records that existed when retrieval_dev.jsonl was written (2026-11-24). Each must be
# covered at least twice; records added later (2026-12-02: 44 more) have no questions of their own yet, so
# their coverage is reported as a warning until questions are written for them.
ORIGINAL_PROCEDURES = frozenset({
    "cap-doi-giay-chung-nhan-quyen-su-dung-dat",
    "cap-giay-phep-xay-dung-nha-o-rieng-le",
    "cap-ho-chieu",
    "cap-lai-giay-chung-nhan-bi-mat",
    "cap-lai-the-bhyt",
    "cap-phieu-ly-lich-tu-phap",
    "cap-the-can-cuoc",
    "chung-thuc-ban-sao",
    "chung-thuc-chu-ky",
    "chung-thuc-hop-dong-giao-dich",
    "chuyen-muc-dich-su-dung-dat-khong-phai-xin-phep",
    "chuyen-muc-dich-su-dung-dat-phai-xin-phep",
    "dang-ky-bien-dong-chuyen-nhuong-dat",
    "dang-ky-bien-dong-thua-ke-tang-cho-dat",
    "dang-ky-dat-dai-cap-gcn-lan-dau",
    "dang-ky-ho-kinh-doanh",
    "dang-ky-ket-hon",
    "dang-ky-khai-sinh",
    "dang-ky-khai-tu",
    "dang-ky-tam-tru",
    "dang-ky-thuong-tru",
    "dang-ky-xe",
    "doi-giay-phep-lai-xe",
    "huong-bhxh-mot-lan",
    "lien-thong-khai-sinh-thuong-tru-bhyt",
    "lien-thong-khai-tu-xoa-thuong-tru-mai-tang-phi",
    "tach-ho",
    "tach-hop-thua-dat",
    "thu-hoi-dang-ky-xe",
    "tro-cap-huu-tri-xa-hoi",
    "tro-cap-that-nghiep",
})

errors: list[str] = []
warnings: list[str] = []


# ---------------------------------------------------------------- knowledge base
docs: dict[str, dict] = {}
for path in sorted(DOCS.glob("*/*.md")):
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    meta = yaml.safe_load(front)
    meta["_body"] = body
    docs[meta["id"]] = meta
procs: dict[str, dict] = {}
for path in sorted(PROCS.glob("*.yml")):
    rec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rec["_text"] = path.read_text(encoding="utf-8")
    procs[rec["id"]] = rec
all_ids = set(docs) | set(procs)
front_questions = {key(q): (doc_id, q) for doc_id, d in docs.items() for q in d.get("questions") or []}
kb_text = unicodedata.normalize(
    "NFC",
    "\n".join(d["title"] + "\n" + d["summary"] + "\n" + d["_body"] for d in docs.values())
    + "\n".join(p["_text"] for p in procs.values()),
).casefold()


# ---------------------------------------------------------------- loading
def load(name: str, required: dict[str, type], optional: dict[str, type] | None = None) -> list[dict]:
    optional = optional or {}
    rows = []
    for n, line in enumerate((EVAL / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"{name}:{n}: empty line")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{name}:{n}: not JSON ({exc})")
            continue
        for field, typ in required.items():
            if not isinstance(row.get(field), typ):
                errors.append(f"{name}:{n}: field {field!r} missing or not {typ.__name__}")
        for field, typ in optional.items():
            if field in row and not isinstance(row[field], typ):
                errors.append(f"{name}:{n}: field {field!r} not {typ.__name__}")
        if set(row) - set(required) - set(optional):
            errors.append(f"{name}:{n}: unexpected fields {sorted(set(row) - set(required) - set(optional))}")
        if row.get("form") not in FORMS:
            errors.append(f"{name}:{n}: bad form {row.get('form')!r}")
        q = row.get("question", "")
        if unicodedata.normalize("NFC", q) != q:
            errors.append(f"{name}:{n}: question is not NFC")
        if row.get("form") == "accentless" and has_diacritics(q):
            errors.append(f"{name}:{n}: accentless question has diacritics: {q}")
        if row.get("form") == "accented" and not has_diacritics(q):
            errors.append(f"{name}:{n}: accented question has no diacritics: {q}")
        row["_where"] = f"{name}:{n}"
        rows.append(row)
    return rows


retrieval = load("retrieval_dev.jsonl", {"question": str, "form": str, "relevant": list, "paraphrase": bool})
# relabelled (optional): when and why an expect_any was changed after the knowledge changed
answers = load("answers_dev.jsonl", {"question": str, "form": str, "expect_any": list, "topic": str},
               {"relabelled": str})

# ---------------------------------------------------------------- retrieval checks
coverage = Counter()
for row in retrieval:
    rel = row.get("relevant") or []
    if not 1 <= len(rel) <= 3:
        errors.append(f"{row['_where']}: relevant must list 1-3 ids")
    if len(set(rel)) != len(rel):
        errors.append(f"{row['_where']}: duplicate id in relevant")
    for rid in rel:
        if rid not in all_ids:
            errors.append(f"{row['_where']}: unknown id {rid!r}")
        coverage[rid] += 1
later = []
for rid in sorted(all_ids):
    if coverage[rid] < 2:
        if rid in procs and rid not in ORIGINAL_PROCEDURES:
            later.append(rid)
        else:
            errors.append(f"retrieval_dev: {rid} covered {coverage[rid]} time(s), need >= 2")
for rid in sorted(ORIGINAL_PROCEDURES - set(procs)):
    errors.append(f"retrieval_dev: original procedure {rid} no longer exists")
if later:
    warnings.append(f"retrieval_dev: {len(later)} procedure records added after 2026-11-24 are covered < 2 times "
                    f"(no questions written for them yet): {', '.join(later)}")

# Paraphrase audit (heuristic, warnings only): a paraphrase should not contain a procedure alias
# or the procedure name of one of its relevant ids.
for row in retrieval:
    if not row.get("paraphrase"):
        continue
    qk = f" {key(row['question'])} "
    for rid in row.get("relevant") or []:
        phrases = []
        if rid in procs:
            phrases = [procs[rid]["name"], *procs[rid].get("aliases", [])]
        for phrase in phrases:
            pk = key(phrase)
            if len(pk.split()) >= 2 and f" {pk} " in qk:
                warnings.append(f"{row['_where']}: paraphrase contains alias {phrase!r} of {rid}")

# ---------------------------------------------------------------- answer checks
for row in answers:
    if row.get("topic") not in TOPICS:
        errors.append(f"{row['_where']}: bad topic {row.get('topic')!r}")
    exp = row.get("expect_any") or []
    if not exp or not all(isinstance(s, str) and s.strip() for s in exp):
        errors.append(f"{row['_where']}: expect_any must be a non-empty list of strings")
        continue
    if row.get("topic") in KB_TOPICS:
        found = [s for s in exp if unicodedata.normalize("NFC", s).casefold() in kb_text]
        if not found:
            errors.append(f"{row['_where']}: no expect_any string occurs in the knowledge base: {exp}")
        for s in exp:
            if s not in found:
                warnings.append(f"{row['_where']}: expected string {s!r} not found verbatim in the knowledge base")

# ---------------------------------------------------------------- cross-file checks
seen: dict[str, str] = {}
for row in retrieval + answers:
    k = key(row.get("question", ""))
    if k in seen:
        errors.append(f"{row['_where']}: duplicate question (also {seen[k]}): {row['question']}")
    else:
        seen[k] = row["_where"]
    if k in front_questions:
        errors.append(f"{row['_where']}: equals front-matter question of {front_questions[k][0]}: {row['question']}")
    else:
        best, ratio = closest(k, front_questions) or (None, 0.0)
        if best is not None:
            warnings.append(
                f"{row['_where']}: close to front-matter question of {front_questions[best][0]} "
                f"({ratio:.2f}): {front_questions[best][1]!r}"
            )

# ---------------------------------------------------------------- report
def forms(rows: list[dict]) -> str:
    c = Counter(r.get("form") for r in rows)
    return ", ".join(f"{f} {c[f]} ({100 * c[f] / max(len(rows), 1):.0f}%)" for f in FORMS)


print(f"knowledge: {len(docs)} documents, {len(procs)} procedures, {len(front_questions)} front-matter questions")
print(f"retrieval_dev.jsonl: {len(retrieval)} questions; {forms(retrieval)}")
para = sum(1 for r in retrieval if r.get("paraphrase"))
print(f"  paraphrase: {para} ({100 * para / max(len(retrieval), 1):.0f}%)")
print(f"  multi-id questions: {sum(1 for r in retrieval if len(r.get('relevant') or []) > 1)}")
print(f"  coverage: min {min(coverage[i] for i in all_ids)}, max {max(coverage[i] for i in all_ids)} "
      f"(docs {sum(1 for i in docs if coverage[i] >= 2)}/{len(docs)}, procedures "
      f"{sum(1 for i in procs if coverage[i] >= 2)}/{len(procs)} with >= 2)")
print(f"answers_dev.jsonl: {len(answers)} questions; {forms(answers)}")
topics = Counter(r.get("topic") for r in answers)
proc_n = sum(v for t, v in topics.items() if t and t.startswith("procedure"))
misc_n = sum(topics[t] for t in ("greeting", "out_of_scope", "handoff", "feedback"))
print(f"  procedure {proc_n} ({100 * proc_n / len(answers):.0f}%), access/security/troubleshooting/benefits/support "
      f"{len(answers) - proc_n - misc_n} ({100 * (len(answers) - proc_n - misc_n) / len(answers):.0f}%), "
      f"greeting/out_of_scope/handoff/feedback {misc_n} ({100 * misc_n / len(answers):.0f}%)")
print("  topics: " + ", ".join(f"{t} {topics[t]}" for t in TOPICS))
print(f"total: {len(retrieval) + len(answers)} questions; {forms(retrieval + answers)}")
for w in warnings:
    print("WARNING", w)
for e in errors:
    print("ERROR", e)
print("OK" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
