"""The checks of the breadth sets from eval/breadth4 on (each set's validate.py names itself, its id
prefix, the earlier breadth sets it is compared with and its split). Standard library only. Prints
counts, item ids and target codes/records, never a question's text.

Checks: every line's fields; ids <prefix>-NNN, unique; forms (accentless: no diacritics and no đ;
accented: some diacritics; abbreviated: at least one abbreviation); NFC; each target record exists
as knowledge/procedures/<id>.yml and is not one of the 31 original procedures; each code exists in
knowledge/registry/*.yml once, with that name, linked to that record (empty for a registry-only
target) and in the item's `field` file; no target twice in the set; no question shares three or
more consecutive words with its target's registry or record name; no question equals or is close
(difflib ratio >= 0.8, lowercase, no accents) to another of the set, to a question of eval/breadth,
eval/fresh*/, eval/nlu_test.yml or of the earlier breadth sets named (dev and held-out, by
comparison key only; ratios >= 0.7 are printed as warnings, ids only); form shares within 5 points
of 40/30/30; the fixed-seed split. A target may also be a target of an earlier breadth set (the
question then describes another situation). Exit 1 on any error.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType

EVAL = Path(__file__).resolve().parent

# the text, registry and comparison helpers are eval/breadth2's, unchanged
_spec = importlib.util.spec_from_file_location("breadth2_validate", EVAL / "breadth2" / "validate.py")
b2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(b2)

FIELDS, TARGET_FIELDS, FORMS = b2.FIELDS, b2.TARGET_FIELDS, b2.FORMS


def earlier(folders: tuple) -> list[tuple[str, str, str]]:
    """(comparison key, file, id) of every earlier question: eval/breadth, fresh*, nlu_test
    (breadth2's list) and the breadth `folders` (dev and held-out). Only keys are kept; nothing of
    them is printed but ids."""
    rows = b2.breadth_rows()
    out = [(k, f, "") for k, f in b2.earlier_questions(rows)]
    for folder in folders:
        mod = b2._load_split(folder)  # not b2.split: "split" is this folder's module here
        for path in (mod.DEV, mod.HELDOUT):
            out += [(b2.key(r["question"]), f"{folder}/{path.name}", r.get("id", "?")) for r in mod.read(path)]
    return out


def check_row(r: dict, reg: list[dict], by_code: dict, names: dict, errors: list[str], prefix: str) -> None:
    w = r["_where"]
    if {k for k in r if not k.startswith("_")} != set(FIELDS) or any(not isinstance(r.get(k), t) for k, t in FIELDS.items()):
        errors.append(f"{w}: fields must be {sorted(FIELDS)}")
        return
    if not re.fullmatch(prefix + r"-\d{3}", r["id"]):
        errors.append(f"{w}: id should be {prefix}-NNN")
    q, form = r["question"], r["form"]
    if unicodedata.normalize("NFC", q) != q:
        errors.append(f"{w}: question is not NFC")
    if form not in FORMS:
        errors.append(f"{w}: bad form {form!r}")
    elif form == "accentless" and b2.has_diacritics(q):
        errors.append(f"{w}: accentless question has diacritics or đ")
    elif form == "accented" and not b2.has_diacritics(q):
        errors.append(f"{w}: accented question has no diacritics")
    elif form == "abbreviated" and not any(tok in b2.ABBREVIATIONS or b2.key(tok) in b2.ABBREVIATIONS
                                           for tok in re.findall(r"[\wđĐ]+", q.lower())):
        errors.append(f"{w}: abbreviated question has no abbreviation")
    t = r["target"]
    if set(t) != set(TARGET_FIELDS) or any(not isinstance(t.get(k), v) for k, v in TARGET_FIELDS.items()):
        errors.append(f"{w}: target must be {{record, code, name}} strings")
        return
    rec, code, name = t["record"], t["code"], t["name"]
    if rec and rec not in names:
        errors.append(f"{w}: record {rec!r} is not knowledge/procedures/{rec}.yml")
    if rec in b2.ORIGINAL_31 and not b2.also_covers(rec, code, reg):
        errors.append(f"{w}: record {rec!r} is one of the 31 original procedures")
    entries = by_code.get(code, [])
    if len(entries) != 1:
        errors.append(f"{w}: code {code!r} is listed {len(entries)} times in the registry")
        return
    entry = entries[0]
    if entry["name"] != name or entry["record"] != rec or entry["file"] != r["field"]:
        errors.append(f"{w}: name, record or field differs from the registry's entry for {code}")
    for official in {name, names.get(rec, "")} - {""}:
        n, _ = b2.longest_shared_run(q, official)
        if n >= 3:
            errors.append(f"{w}: shares {n} consecutive words with the official name")


def run(name: str, prefix: str, earlier_folders: tuple, split: ModuleType) -> int:
    """Check eval/<name> (ids <prefix>-NNN, split by `split`) against the earlier questions."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", action="store_true", help="check items.jsonl (before the split)")
    args = parser.parse_args()
    errors: list[str] = []
    warnings: list[str] = []
    rows = []
    files = [(split.ITEMS, "items")] if args.items else [(split.DEV, "dev"), (split.HELDOUT, "heldout")]
    for path, label in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines() if path.exists() else [], 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                errors.append(f"{path.name}:{n}: not JSON")
                continue
            row["_where"], row["_file"] = f"{path.name}:{n} ({row.get('id')})", label
            rows.append(row)
    if not rows:
        errors.append("no items")
    reg = b2.registry()
    by_code: dict[str, list[dict]] = {}
    for e in reg:
        if e["code"]:
            by_code.setdefault(e["code"], []).append(e)
    names = b2.record_names()
    for i, c in Counter(r.get("id") for r in rows).items():
        if c > 1:
            errors.append(f"duplicate id {i}")
    old = earlier(earlier_folders)
    old_keys = [k for k, _, _ in old]
    seen_targets: dict[str, str] = {}
    seen_keys: list[str] = []
    seen_ids: list[str] = []
    for r in rows:
        check_row(r, reg, by_code, names, errors, prefix)
        t = r.get("target") or {}
        tkey = t.get("code") or t.get("record")  # a record may cover two coded procedures
        if tkey in seen_targets:
            errors.append(f"{r['_where']}: target already used by {seen_targets[tkey]}")
        seen_targets[tkey] = r.get("id")
        k = b2.key(r.get("question", ""))
        for pool, label in ((seen_keys, "this set"), (old_keys, None)):
            hit = b2.closest(k, pool, b2.NEAR)
            if hit:
                if label:
                    where = f"{label} ({seen_ids[hit[0]]})"
                else:
                    _, file, oid = old[hit[0]]
                    where = f"eval/{file}" + (f" ({oid})" if oid else "")
                (errors if hit[1] >= b2.CLOSE else warnings).append(f"{r['_where']}: close to a question of {where} ({hit[1]:.2f})")
        seen_keys.append(k)
        seen_ids.append(r.get("id", "?"))
    n = max(len(rows), 1)
    by_form = Counter(r.get("form") for r in rows)
    for form, share in FORMS.items():
        if abs(by_form.get(form, 0) / n - share) > 0.05:
            errors.append(f"form {form}: {by_form.get(form, 0) / n:.0%} of items, expected about {share:.0%}")
    if not args.items:
        chosen = split.dev_ids(rows)
        for r in rows:
            if (r["id"] in chosen) != (r["_file"] == "dev"):
                errors.append(f"{r['_where']}: in the wrong file for the fixed-seed split (split.py)")
    full = sum(1 for r in rows if (r.get("target") or {}).get("record"))
    print(f"{name} items: {len(rows)}; earlier questions compared: {len(old)}")
    print("forms: " + ", ".join(f"{f} {by_form.get(f, 0)}" for f in FORMS))
    fields = Counter(r.get("field") for r in rows)
    print(f"targets: {full} with a full record, {len(rows) - full} registry-only; fields: {len(fields)}")
    print("  " + ", ".join(f"{f} {c}" for f, c in sorted(fields.items(), key=lambda x: (-x[1], str(x[0])))))
    for part in ("dev", "heldout"):
        sel = [r for r in rows if r["_file"] == part]
        if sel:
            rec = sum(1 for r in sel if (r.get("target") or {}).get("record"))
            print(f"{part}: {len(sel)} items, {rec} with a full record, {len(sel) - rec} registry-only")
    for x in warnings:
        print("WARNING", x)
    for x in errors:
        print("ERROR", x)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0

