"""Check the second breadth set (eval/breadth2/dev.jsonl + heldout.jsonl, or items.jsonl before the split).

Standard library only. Prints counts, item ids and target codes/records, never a question's text.

    python3 eval/breadth2/validate.py [--items]

Checks: every line's fields; ids b2-NNN, unique; forms (accentless: no diacritics and no đ;
accented: some diacritics; abbreviated: at least one abbreviation); NFC; each target record exists
as knowledge/procedures/<id>.yml and is not one of the 31 original procedures; each code exists in
knowledge/registry/*.yml with that name; record and code agree with the registry (both given when
both exist); `field` is the registry file of the target; no target twice; no target (record or
code) already used by eval/breadth (read with eval/breadth/split.py; only codes and ids are
printed); no registry-only target whose procedure the registry also lists under another code by
channel or by level, and no record listed twice by channel; no question shares three or more
consecutive words with its target's registry name or record name (bar the core nouns below); no
question equals or is close (difflib ratio >= 0.8, lowercase, no accents) to another of the set, a
question of eval/breadth, eval/fresh*/ (dev and held-out, keyed only) or a sentence of
eval/nlu_test.yml (ratios >= 0.7 are printed as warnings, with ids only); form shares within 5
points of 40/30/30; the fixed-seed split (split.py). Exit 1 on any error.
"""
from __future__ import annotations

import argparse
import difflib
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
sys.path.insert(0, str(HERE))
import split  # noqa: E402  (eval/breadth2/split.py)
sys.path.append(str(EVAL))
from splitting import load_split, sets_of  # noqa: E402  (eval/splitting.py)

# the text and registry helpers are eval/breadth's, unchanged
_spec = importlib.util.spec_from_file_location("breadth_validate", EVAL / "breadth" / "validate.py")
_breadth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_breadth)
strip_accents, key, has_diacritics, scalar = _breadth.strip_accents, _breadth.key, _breadth.has_diacritics, _breadth.scalar
registry, record_names, longest_shared_run = _breadth.registry, _breadth.record_names, _breadth.longest_shared_run
also_covers = _breadth.also_covers

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

FORMS = {"accented": 0.40, "accentless": 0.30, "abbreviated": 0.30}
FIELDS = {"id": str, "form": str, "question": str, "target": dict, "field": str}
TARGET_FIELDS = {"record": str, "code": str, "name": str}
ABBREVIATIONS = frozenset("""
e a ko k j ntn dc đc bn mn hs tk gđ gd r h mún lm vs trc ng nc cty hkd kd đk dk đky dky bhyt bhxh cccd
dvc vneid htx tq vn t tr hđ hd bv bh tnlđ tnld ah ak z ms nt sđt
""".split())
# core nouns a question may share with an official name although they are three words or more:
# none is needed in this set (the brief allows at most one)
CORE_NOUNS: frozenset[str] = frozenset()
CLOSE, NEAR = 0.8, 0.7
# a procedure the registry lists once per channel (online in full / partly online or in person)
CHANNEL = re.compile(r"\s*(thực hiện bằng dịch vụ công|bằng dịch vụ công|trực tuyến toàn trình|trực tuyến một phần).*$")
LEVEL = re.compile(r"\s*\((thực hiện )?tại cấp [^)]*\)|\s*\(cấp (xã|tỉnh|huyện|trung ương)\)")


def by_channel(name: str) -> str:
    return re.sub(r"\s+", " ", CHANNEL.sub("", name.lower())).strip(" .")


def by_level(name: str) -> str:
    return re.sub(r"\s+", " ", LEVEL.sub("", by_channel(name))).strip(" .")


def _load_split(folder: str):
    """eval/<folder>'s split: its set.json, or its own split.py (eval/splitting.py load_split)."""
    return load_split(folder)


def breadth_rows() -> list[dict]:
    """eval/breadth's items (dev and held-out), read with its own split.py. Only their targets and
    comparison keys are used; nothing of them is printed but codes and record ids."""
    mod = _load_split("breadth")
    return mod.read(mod.DEV) + mod.read(mod.HELDOUT)


def earlier_questions(breadth: list[dict]) -> list[tuple[str, str]]:
    """(comparison key, file) of every question of eval/breadth, eval/fresh*/ (dev and held-out) and
    eval/nlu_test.yml. Only keys are kept; nothing of them is printed."""
    out = [(key(r["question"]), "breadth") for r in breadth if r.get("question")]
    for folder in sorted(sets_of("fresh")):  # in name order, as the comparison always read them
        mod = _load_split(folder)
        for path in (mod.DEV, mod.HELDOUT):
            name = f"{folder}/{path.name}"
            for row in mod.read(path):
                turns = row.get("turns") or ([row["question"]] if row.get("question") else [])
                for t in turns:
                    out.append((key(t), name))
                if len(turns) > 1:
                    out.append((key(" | ".join(turns)), name))
    nlu = EVAL / "nlu_test.yml"
    if nlu.exists():
        for m in re.finditer(r"^\s*-\s+(.+)$", nlu.read_text(encoding="utf-8"), re.M):
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}",
                          lambda g: g.group(1) or g.group(2) or "", m.group(1))
            out.append((key(text), "nlu_test.yml"))
    return out


def closest(text: str, candidates: list[str], floor: float) -> tuple[int, float] | None:
    matcher = difflib.SequenceMatcher(None, "", text)
    best, best_ratio = None, floor
    for n, cand in enumerate(candidates):
        matcher.set_seq1(cand)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        r = matcher.ratio()
        if r >= best_ratio and (best is None or r > best_ratio):
            best, best_ratio = n, r
    return (best, best_ratio) if best is not None else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", action="store_true", help="check items.jsonl (before the split)")
    args = parser.parse_args()
    errors: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []

    reg = registry()
    by_code: dict[str, list[dict]] = {}
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
    channel_twins: dict[str, set[str]] = {}
    level_twins: dict[str, set[str]] = {}
    for twins, norm in ((channel_twins, by_channel), (level_twins, by_level)):
        groups: dict[str, set[str]] = {}
        for e in reg:
            if e["code"]:
                groups.setdefault(norm(e["name"]), set()).add(e["code"])
        for codes in groups.values():
            for c in codes:
                twins[c] = codes - {c}
    names = record_names()

    breadth = breadth_rows()
    used_by_breadth: dict[str, str] = {}
    for b in breadth:
        t = b.get("target") or {}
        if t.get("record"):
            used_by_breadth[f"record:{t['record']}"] = b.get("id", "?")
        if t.get("code"):
            used_by_breadth[f"code:{t['code']}"] = b.get("id", "?")
    # a record used by eval/breadth also takes its codes out, and a code its record
    for b in breadth:
        t = b.get("target") or {}
        for c in codes_of_record.get(t.get("record") or "", ()):
            used_by_breadth.setdefault(f"code:{c}", b.get("id", "?"))
        for e in by_code.get(t.get("code") or "", []):
            if e["record"]:
                used_by_breadth.setdefault(f"record:{e['record']}", b.get("id", "?"))

    def load(path: Path, file_label: str) -> list[dict]:
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines() if path.exists() else [], 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
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
    old = earlier_questions(breadth)
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
        if not re.fullmatch(r"b2-\d{3}", r["id"]):
            errors.append(f"{w}: id should be b2-NNN")
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
                tok in ABBREVIATIONS or key(tok) in ABBREVIATIONS or re.fullmatch(r"\d+(t|tr|m|ha)", tok)
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
            if f"record:{rec}" in used_by_breadth:
                errors.append(f"{w}: record {rec} is already a target of eval/breadth ({used_by_breadth[f'record:{rec}']})")
            channel = {c for c in codes_of_record.get(rec, ()) if channel_twins.get(c, set()) & codes_of_record.get(rec, set())}
            if channel:
                errors.append(f"{w}: the registry lists record {rec} under two codes by channel ({', '.join(sorted(channel))})")
        if code:
            entries = by_code.get(code)
            if not entries:
                errors.append(f"{w}: code {code!r} is not in knowledge/registry/*.yml")
                continue
            if len(entries) > 1:
                errors.append(f"{w}: code {code} is listed {len(entries)} times in the registry")
            entry = entries[0]
            if entry["name"] != name:
                errors.append(f"{w}: name differs from the registry's name for {code}")
            if entry["record"] != rec:
                errors.append(f"{w}: the registry links {code} to record {entry['record']!r}, not {rec!r}")
            if r["field"] != entry["file"]:
                errors.append(f"{w}: field should be {entry['file']!r} (the registry file of {code})")
            if f"code:{code}" in used_by_breadth:
                errors.append(f"{w}: code {code} is already a target of eval/breadth ({used_by_breadth[f'code:{code}']})")
            if not rec and (channel_twins.get(code) or level_twins.get(code)):
                errors.append(f"{w}: registry-only target {code} is listed again under "
                              f"{', '.join(sorted(channel_twins.get(code, set()) | level_twins.get(code, set())))}")
            elif rec and level_twins.get(code, set()) - channel_twins.get(code, set()):
                notes.append(f"{r['id']}: record {rec} also has code {', '.join(sorted(level_twins[code]))} "
                             f"(another level); the item gives {code}, and a card for the record passes")
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
        hit = closest(k, seen_keys, NEAR)
        if hit:
            (errors if hit[1] >= CLOSE else warnings).append(
                f"{w}: close to {seen_ids[hit[0]]} of this set ({hit[1]:.2f})")
        seen_keys.append(k)
        seen_ids.append(r["id"])
        hit = closest(k, old_keys, NEAR)
        if hit:
            (errors if hit[1] >= CLOSE else warnings).append(
                f"{w}: equal or close to a question in eval/{old[hit[0]][1]} ({hit[1]:.2f})")

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
        if dev_n != split.dev_size(len(rows)):
            errors.append(f"dev holds {dev_n} items, expected {split.dev_size(len(rows))}")

    # report: counts only
    dev_n = sum(1 for r in rows if r["_file"] == "dev")
    print(f"breadth2 items: {len(rows)} (dev {dev_n}, heldout {sum(1 for r in rows if r['_file'] == 'heldout')}"
          f"{', unsplit ' + str(len(rows)) if args.items else ''}); earlier questions compared: {len(old)}; "
          f"eval/breadth targets excluded: {len(used_by_breadth)}")
    print("forms: " + ", ".join(f"{f} {by_form.get(f, 0)} ({by_form.get(f, 0) / n:.0%})" for f in FORMS))
    codes = {r['target']['code'] for r in rows if isinstance(r.get('target'), dict) and r['target'].get('code')}
    print(f"targets: {with_record} with a full record, {registry_only} registry-only; {len(codes)} codes")
    fields = Counter(r.get("field") for r in rows)
    print(f"fields ({len(fields)}): " + ", ".join(f"{f} {c}" for f, c in sorted(fields.items(), key=lambda x: (-x[1], str(x[0])))))
    if not args.items:
        for part in ("dev", "heldout"):
            sel = [r for r in rows if r["_file"] == part]
            c = Counter(r.get("form") for r in sel)
            rec = sum(1 for r in sel if isinstance(r.get("target"), dict) and r["target"].get("record"))
            print(f"{part}: {len(sel)} items; {c['accented']}/{c['accentless']}/{c['abbreviated']} "
                  f"accented/accentless/abbreviated; {rec} with a full record, {len(sel) - rec} registry-only")
    for x in notes:
        print("NOTE", x)
    for x in warnings:
        print("WARNING", x)
    for x in errors:
        print("ERROR", x)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
