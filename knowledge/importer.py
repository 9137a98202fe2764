"""`dvc-bot knowledge import FILE`: load a published procedure list (CSV or JSON with the national
database's fields) into the registry. Format and rules: knowledge/README.md, "Importing a list".

Every row becomes a registry entry in knowledge/registry/imported-<stem of FILE>.yml, written in
one piece (a temporary file renamed into place) and only when every row passes and the linter
finds no new error in the result. Curated knowledge (the hand-written procedures/*.yml and every
other registry file, including another import) is never changed: a row whose code is already
there is skipped when it says the same thing, and refused when it differs (--keep-curated skips
those rows too, naming each one). Rows never become full records: the list has no steps and no
place to submit, so time, fee, documents and legal basis are kept in the entry for staff.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlparse

import yaml

from common import yamlio

from knowledge.lint import CODE_FORMAT, KNOWLEDGE_DIR, check
from knowledge.normalize import strip_accents

COLUMNS = (
    "code", "name", "field", "level", "agency", "processing_time", "fee", "documents", "legal_basis",
    "online_level", "source_url", "source_title", "aliases", "summary", "checked",
)
REQUIRED = ("code", "name", "field", "level", "agency", "source_url")
LISTS = ("documents", "legal_basis", "aliases")
# Vietnamese headers of published lists (accent-free) -> our column names.
HEADERS_VI = {
    "ma thu tuc": "code", "ma tthc": "code", "ten thu tuc": "name", "ten tthc": "name", "linh vuc": "field",
    "cap thuc hien": "level", "co quan thuc hien": "agency", "thoi han giai quyet": "processing_time",
    "phi le phi": "fee", "le phi": "fee", "thanh phan ho so": "documents", "can cu phap ly": "legal_basis",
    "muc do dvctt": "online_level", "muc do": "online_level", "nguon": "source_url",
}
LEVELS = {"xa": "xã", "tinh": "tỉnh", "trung uong": "trung ương"}
ONLINE = {
    "": "", "toan trinh": "toàn trình", "mot phan": "một phần", "khong": "không",
    "muc 4": "toàn trình", "muc do 4": "toàn trình", "muc 3": "một phần", "muc do 3": "một phần",
    "muc 2": "không", "muc do 2": "không", "muc 1": "không", "muc do 1": "không",
}
HTTPS = re.compile(r"^https://[^\s/]+\.[^\s]+$")
PREFIX = "imported-"


class ImportFailed(Exception):
    def __init__(self, errors: List[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Plan:
    target: Path  # knowledge/registry/imported-<stem>.yml
    entries: List[dict]  # what the target will hold, in row order
    rows: int = 0
    new: List[dict] = field(default_factory=list)
    changed: List[Tuple[dict, List[str]]] = field(default_factory=list)
    removed: List[dict] = field(default_factory=list)
    unchanged: int = 0
    same_as_curated: List[Tuple[int, str, str]] = field(default_factory=list)  # (row, code, file)
    conflicts: List[Tuple[int, str, str, List[str]]] = field(default_factory=list)  # + differing fields
    warnings: List[str] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        return not (self.new or self.changed or self.removed)


# -- reading --------------------------------------------------------------------------------
def _column(header: str) -> str:
    key = re.sub(r"[^0-9a-z]+", " ", strip_accents(header or "")).strip()
    return HEADERS_VI.get(key, key.replace(" ", "_"))


def read_rows(path: Path) -> List[Tuple[int, dict]]:
    """(row number, raw row): CSV rows numbered as a spreadsheet shows them (header = row 1),
    JSON items from 1."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([f"{path}: cannot read ({exc})"]) from exc
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise ImportFailed([f"{path}: not valid JSON ({exc})"]) from exc
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ImportFailed([f"{path}: a JSON import is a list of objects, one per procedure"])
        rows = [(n, {_column(k): v for k, v in item.items()}) for n, item in enumerate(items, 1)]
        headers = {k for _, row in rows for k in row}
    elif path.suffix.lower() == ".csv":
        reader = csv.reader(text.splitlines(keepends=True))
        header = [_column(h) for h in next(reader, [])]
        rows = [(n, dict(zip(header, cells))) for n, cells in enumerate(reader, 2) if any(c.strip() for c in cells)]
        headers = set(header)
        missing = [c for c in REQUIRED if c not in headers]
        if missing:
            raise ImportFailed([f"{path}: missing column(s) {', '.join(missing)} in the header row"])
    else:
        raise ImportFailed([f"{path}: give a .csv or .json file"])
    unknown = sorted(h for h in headers if h not in COLUMNS)
    if unknown:
        raise ImportFailed([f"{path}: unknown column(s) {', '.join(unknown)} (known: {', '.join(COLUMNS)})"])
    if not rows:
        raise ImportFailed([f"{path}: no rows"])
    return rows


def _text(value) -> str:
    # NFC and one space; not normalize_text, whose tone-mark rule turns "hoặc" into "họăc"
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip() if value not in (None, "") else ""


def _list(value) -> List[str]:
    items = value if isinstance(value, list) else re.split(r"[;\n]", str(value or ""))
    return [_text(item) for item in items if _text(item)]


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)  # 02/12/2026, as Vietnamese lists write it
    return dt.date(int(match[3]), int(match[2]), int(match[1])) if match else dt.date.fromisoformat(text)


def to_entry(number: int, raw: dict, checked: Optional[dt.date], today: dt.date) -> Tuple[dict, List[str]]:
    """The registry entry a row becomes, and what is wrong with the row (each error names the
    row and the field)."""
    errors: List[str] = []

    def bad(column: str, message: str) -> None:
        errors.append(f"row {number}, {column}: {message}")

    for column in COLUMNS:
        value = raw.get(column)
        if value is not None and not isinstance(value, str) and not (column in LISTS and isinstance(value, list)):
            bad(column, f"must be text{' or a list' if column in LISTS else ''}, not {json.dumps(value)}")
            raw = dict(raw, **{column: None})
    values = {c: _text(raw.get(c)) for c in COLUMNS if c not in LISTS}
    for column in REQUIRED:
        if not values[column] and not any(e.startswith(f"row {number}, {column}:") for e in errors):
            bad(column, "is empty")
    code = values["code"]
    if code and not CODE_FORMAT.match(code):
        bad("code", f"{code!r} is not a national code (one digit, a dot, six digits, e.g. 1.004873)")
    level = LEVELS.get(re.sub(r"^cap ", "", strip_accents(values["level"])))
    if values["level"] and not level:
        bad("level", f"{values['level']!r} is not xã, tỉnh or trung ương")
    online = ONLINE.get(strip_accents(values["online_level"]))
    if online is None:
        bad("online_level", f"{values['online_level']!r} is not toàn trình, một phần, không (or mức 2-4) or empty")
    url = values["source_url"]
    if url and not HTTPS.match(url):
        bad("source_url", f"{url!r} is not an https:// address")
    when = checked
    if values["checked"]:
        try:
            when = _date(values["checked"])
        except ValueError:
            bad("checked", f"{values['checked']!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
    elif checked is None:
        bad("checked", "is empty: give a checked column or --checked YYYY-MM-DD (the day the list was published or checked)")
    if when and when > today:
        bad("checked", f"{when} is in the future")
    name = values["name"]
    entry = {
        "code": code,
        "name": name,
        "field": values["field"],
        "level": level or values["level"],
        "authority": values["agency"],
        "online": online or "",
        # no aliases given: the name without accents, so the entry is found by its name and code
        "aliases": _list(raw.get("aliases")) or [strip_accents(name)],
        "summary": values["summary"] or name,
        "record": "",
        "source": {"title": values["source_title"] or f"{urlparse(url).hostname or url} – thủ tục {code}", "url": url},
        "checked": when,
    }
    for column in ("processing_time", "fee"):
        if values[column]:
            entry[column] = values[column]
    for column in ("documents", "legal_basis"):
        if _list(raw.get(column)):
            entry[column] = _list(raw.get(column))
    return entry, errors


# -- comparing with what is there -----------------------------------------------------------
def _same(a, b) -> bool:
    norm = lambda v: re.sub(r"\s+", " ", json.dumps(v, ensure_ascii=False, default=str)).casefold()  # noqa: E731
    return norm(a) == norm(b)


def _read(path: Path) -> dict:
    try:
        data = yamlio.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportFailed([f"{path}: cannot read ({str(exc).splitlines()[0]}); see dvc-bot knowledge check"]) from exc
    return data if isinstance(data, dict) else {}


def _curated(root: Path, target: Path) -> Dict[str, Tuple[str, Dict[str, object]]]:
    """code -> (file, the facts an import could contradict) for every curated record and entry."""
    found: Dict[str, Tuple[str, Dict[str, object]]] = {}
    for path in sorted((root / "procedures").glob("*.yml")):
        data = _read(path)
        if data.get("code"):
            facts = {"name": data.get("name"), "authority": data.get("authority"), "processing_time": data.get("processing_time"),
                     "fee": data.get("fee"), "online": (data.get("online") or {}).get("level")}
            found[str(data["code"])] = (f"procedures/{path.name}", facts)
    for path in sorted((root / "registry").glob("*.yml")):
        if path.name == target.name:
            continue
        for item in _read(path).get("procedures") or []:
            if isinstance(item, dict) and item.get("code"):
                facts = {k: item.get(k) for k in ("name", "level", "authority", "online")}
                found.setdefault(str(item["code"]), (f"registry/{path.name}", facts))
    return found


def plan(source: Path, root: Path = KNOWLEDGE_DIR, checked: Optional[dt.date] = None,
         keep_curated: bool = False, today: Optional[dt.date] = None) -> Plan:
    """Validate every row and compare with the knowledge; raises ImportFailed with every error."""
    today = today or dt.date.today()
    stem = re.sub(r"[^0-9a-z]+", "-", strip_accents(source.stem)).strip("-") or "list"
    target = root / "registry" / f"{PREFIX}{stem}.yml"
    errors: List[str] = []
    entries: List[Tuple[int, dict]] = []
    first_row: Dict[str, int] = {}
    for number, raw in read_rows(source):
        entry, row_errors = to_entry(number, raw, checked, today)
        errors.extend(row_errors)
        if entry["code"] in first_row:
            errors.append(f"row {number}, code: {entry['code']} is also on row {first_row[entry['code']]}")
        first_row.setdefault(entry["code"], number)
        entries.append((number, entry))
    if errors:
        raise ImportFailed(errors)

    curated = _curated(root, target)
    old = _read(target).get("procedures") or [] if target.exists() else []
    old_by_code = {str(e.get("code")): e for e in old if isinstance(e, dict)}
    result = Plan(target, [], rows=len(entries))
    for number, entry in entries:
        if entry["code"] in curated:
            where, facts = curated[entry["code"]]
            mine = {"name": entry["name"], "level": entry["level"], "authority": entry["authority"], "online": entry["online"],
                    "processing_time": entry.get("processing_time"), "fee": entry.get("fee")}
            differ = [k for k, v in facts.items() if v not in (None, "") and mine.get(k) and not _same(v, mine[k])]
            if differ:
                result.conflicts.append((number, entry["code"], where, differ))
            else:
                result.same_as_curated.append((number, entry["code"], where))
            continue
        result.entries.append(entry)
        before = old_by_code.get(entry["code"])
        if before is None:
            result.new.append(entry)
        else:
            differ = [k for k in dict.fromkeys([*before, *entry]) if not _same(before.get(k), entry.get(k))]
            if differ:
                result.changed.append((entry, differ))
            else:
                result.unchanged += 1
    kept = {e["code"] for e in result.entries}
    result.removed = [e for code, e in old_by_code.items() if code not in kept]
    if result.conflicts and not keep_curated:
        raise ImportFailed(
            [f"row {n}, code {code}: would change the curated {where} ({', '.join(d)}): refused" for n, code, where, d in result.conflicts]
            + ["curated knowledge is edited by hand; --keep-curated imports the other rows and leaves these as they are"]
        )
    if not result.is_noop:
        _lint(result, root, source, entries)
    return result


# -- the linter on the result, and writing ----------------------------------------------------
def render(result: Plan, source: Path, today: dt.date) -> str:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    header = (
        f"# Imported by `dvc-bot knowledge import` from {source.name} (sha256 {digest}) on {today}.\n"
        "# Do not edit by hand: correct the source file and import it again. To curate an entry, move it\n"
        "# to a hand-written registry file; later imports then leave it alone.\n"
    )
    body = {"field": f"Nhập từ {source.name}", "procedures": result.entries}
    return header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def _staged(root: Path, result: Plan, text: Optional[str], folder: Path) -> Path:
    """A knowledge folder in `folder` that is `root` with the target replaced by `text`."""
    for name in ("docs", "procedures"):
        if (root / name).exists():
            (folder / name).symlink_to((root / name).resolve(), target_is_directory=True)
    (folder / "registry").mkdir()
    for path in (root / "registry").glob("*.yml"):
        if path.name != result.target.name:
            (folder / "registry" / path.name).symlink_to(path.resolve())
    if text is not None:
        (folder / "registry" / result.target.name).write_text(text, encoding="utf-8")
    return folder


def _lint(result: Plan, root: Path, source: Path, rows: List[Tuple[int, dict]]) -> None:
    """The linter's rules on the knowledge as it would be; errors it did not report before fail
    the import (mapped to rows for the imported file)."""
    today = dt.date.today()
    text = render(result, source, today) if result.entries else None
    row_of = {e["code"]: n for n, e in rows}
    with tempfile.TemporaryDirectory() as before_dir, tempfile.TemporaryDirectory() as after_dir:
        before = check(_staged(root, result, None, Path(before_dir)), today)
        after = check(_staged(root, result, text, Path(after_dir)), today)
    seen = {(f.file, f.message) for f in before.errors}
    errors = []
    for finding in after.errors:
        if (finding.file, finding.message) in seen:
            continue
        label = re.match(r"#(\d+) ", finding.message)
        if finding.file == f"registry/{result.target.name}" and label:
            code = result.entries[int(label[1]) - 1]["code"]
            errors.append(f"row {row_of[code]} ({code}): {finding.message.split(': ', 1)[-1]}")
        else:  # an alias clash is reported on the file the linter reads second
            other = re.search(rf"{re.escape(result.target.name)} #(\d+)", finding.message)
            code = result.entries[int(other[1]) - 1]["code"] if other else None
            errors.append((f"row {row_of[code]} ({code}): " if code else "") + f"{finding.file}: {finding.message}")
    if errors:
        raise ImportFailed(errors)
    old = {(f.file, f.message) for f in before.warnings}
    result.warnings = [f"{f.file}: {f.message}" for f in after.warnings if (f.file, f.message) not in old]


def write(result: Plan, source: Path) -> None:
    """Replace the target in one step (or remove it when nothing is left to hold)."""
    if not result.entries:
        if result.target.exists():
            result.target.unlink()
        return
    tmp = result.target.with_name(f".{result.target.name}.tmp")
    try:
        tmp.write_text(render(result, source, dt.date.today()), encoding="utf-8")
        os.replace(tmp, result.target)
    finally:
        if tmp.exists():
            tmp.unlink()


def report_lines(result: Plan, root: Path) -> List[str]:
    lines = [f"{result.rows} rows -> {result.target.relative_to(root.parent)}"]
    lines += [f"  new      {e['code']}  {e['name']}" for e in result.new]
    lines += [f"  changed  {e['code']}  {e['name']}  ({', '.join(d)})" for e, d in result.changed]
    lines += [f"  removed  {e.get('code')}  {e.get('name')}" for e in result.removed]
    lines += [f"  curated  {code}  row {n}: same as {where}, not imported" for n, code, where in result.same_as_curated]
    lines += [f"  kept     {code}  row {n}: differs from the curated {where} ({', '.join(d)}); left as it is (--keep-curated)"
              for n, code, where, d in result.conflicts]
    lines += [f"  warning  {w}" for w in result.warnings]
    lines.append(
        f"{len(result.new)} new, {len(result.changed)} changed, {len(result.removed)} removed, {result.unchanged} unchanged, "
        f"{len(result.same_as_curated)} same as curated, {len(result.conflicts)} curated kept"
    )
    return lines
