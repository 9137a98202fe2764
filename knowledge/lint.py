"""`dvc-bot knowledge check`: validate the guidance documents, the procedure catalog and the
procedure registry.

Errors (exit code 1): schema, missing sources or checked date, duplicate ids, aliases shared by
two procedures, an abolished authority named as current. Warnings: facts checked more than
12 months ago, temporary rules whose end date has passed, answers too long for a phone screen.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import yaml

from common import yamlio

from knowledge.documents import TOPICS, FrontMatterError, document_files, split_front_matter
from knowledge.normalize import strip_accents

KNOWLEDGE_DIR = Path(__file__).resolve().parent
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ONLINE_LEVELS = ("toàn trình", "một phần", "không")
STALE_AFTER_DAYS = 365
CODE_FORMAT = re.compile(r"^\d\.\d{6}$")
REGISTRY_LEVELS = ("xã", "tỉnh", "trung ương")
REGISTRY_ONLINE = ("toàn trình", "một phần", "không", "")
REGISTRY_REQUIRED = ("code", "name", "level", "authority", "online", "aliases", "summary", "record", "source", "checked")
REGISTRY_MAY_BE_EMPTY = ("code", "online", "record")
# The district tier is gone since 1/7/2025: a registry authority names no "huyện" at all.
DISTRICT = re.compile(r"\b(cap huyen|huyen|quan huyen)\b")
LEAD_MAX_WORDS = 80

DOC_REQUIRED = {"id": str, "title": str, "topic": str, "summary": str, "sources": list, "checked": None, "uncertain": bool, "questions": list}
PROC_REQUIRED = {
    "id": str, "name": str, "aliases": list, "authority": str, "where": str, "processing_time": str,
    "fee": str, "documents": list, "online": dict, "steps": list, "sources": list, "checked": None, "uncertain": bool,
}

# Authorities abolished on 1/7/2025 (district level) or moved on 1/3/2025 (driving licences and
# criminal records to the police). Matched on accent-free, lowercase text.
ABOLISHED = [
    (re.compile(r"\b(ubnd|uy ban nhan dan) (cap )?(huyen|quan|thi xa)\b"), "UBND cấp huyện"),
    (re.compile(r"\bphong tu phap( cap)? (huyen|quan)\b"), "Phòng Tư pháp huyện"),
    (re.compile(r"\bphong tai nguyen (va|&) moi truong( cap)? (huyen|quan)\b"), "Phòng TN&MT huyện"),
    (re.compile(r"\bvan phong dang ky dat dai( cap)? huyen\b"), "VPĐKĐĐ cấp huyện"),
]
ABOLISHED_IN_CONTEXT = [
    # (authority, context that makes it wrong)
    (re.compile(r"\bso (gtvt|giao thong van tai)\b"), re.compile(r"gplx|giay phep lai xe|bang lai"), "Sở GTVT (giấy phép lái xe)"),
    (re.compile(r"\bso tu phap\b"), re.compile(r"ly lich tu phap|lltp"), "Sở Tư pháp (lý lịch tư pháp)"),
]
# A sentence that says the authority is gone or out of date is not naming it as current.
HISTORICAL = re.compile(
    r"không còn|đã bỏ|bỏ cấp|trước đây|trước 1/7/2025|trước 1/3/2025|\bcũ\b|lỗi thời|nay chuyển|không phải"
    r"|khong con|truoc day|loi thoi"
)


@dataclass
class Finding:
    file: str
    message: str


@dataclass
class Report:
    documents: int = 0
    procedures: int = 0
    registry: int = 0
    errors: List[Finding] = field(default_factory=list)
    warnings: List[Finding] = field(default_factory=list)
    # citations whose address is a site's home page: valid, but a citizen who clicks lands nowhere
    # near the fact (issue 14); listed to be improved, not counted as warnings
    home_pages: List[Finding] = field(default_factory=list)
    # registry-only entries a full record also names (an alias of both): either the record covers
    # the procedure (link it with `record:`) or one of the two should drop the alias; listed to be
    # resolved, not counted as warnings
    overlaps: List[Finding] = field(default_factory=list)

    def as_json(self) -> Dict[str, Any]:
        return {
            "documents": self.documents,
            "procedures": self.procedures,
            "registry": self.registry,
            "errors": [asdict(f) for f in self.errors],
            "warnings": [asdict(f) for f in self.warnings],
            "home_pages": [asdict(f) for f in self.home_pages],
            "overlaps": [asdict(f) for f in self.overlaps],
        }


class Checker:
    def __init__(self, root: Path, today: dt.date) -> None:
        self.root = root
        self.today = today
        self.report = Report()
        self.ids: Dict[str, str] = {}
        self.aliases: Dict[str, str] = {}
        self.registry_codes: Dict[str, str] = {}
        self.registry_aliases: Dict[str, str] = {}

    def error(self, path: Path, message: str) -> None:
        self.report.errors.append(Finding(self._rel(path), message))

    def warn(self, path: Path, message: str) -> None:
        self.report.warnings.append(Finding(self._rel(path), message))

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- shared checks -------------------------------------------------------------------
    def check_schema(self, path: Path, data: dict, required: Dict[str, Optional[type]]) -> bool:
        ok = True
        for key, kind in required.items():
            if key not in data or data[key] in (None, "", []):
                self.error(path, f"missing required field '{key}'")
                ok = False
            elif kind is not None and not isinstance(data[key], kind):
                self.error(path, f"field '{key}' must be {kind.__name__}, not {type(data[key]).__name__}")
                ok = False
        return ok

    def check_common(self, path: Path, data: dict) -> None:
        record_id = str(data.get("id", ""))
        if not ID_PATTERN.match(record_id):
            self.error(path, f"id '{record_id}' must be lowercase ASCII words joined by '-'")
        if record_id != path.stem:
            self.error(path, f"id '{record_id}' differs from the file name '{path.stem}'")
        if record_id in self.ids:
            self.error(path, f"duplicate id '{record_id}' (also in {self.ids[record_id]})")
        self.ids.setdefault(record_id, self._rel(path))
        self.check_sources(path, data.get("sources"))
        self.check_checked(path, data.get("checked"))
        if data.get("uncertain") is True and not str(data.get("uncertain_note") or "").strip():
            self.error(path, "uncertain is true but uncertain_note is empty (say what is unsure and where to confirm)")
        for item in data.get("legal_basis") or []:
            if str(item).count("(") != str(item).count(")"):
                # a comma inside brackets in a YAML [flow, list] splits the item: quote it
                self.error(path, f"legal_basis item {str(item)!r} has unbalanced brackets (quote items that contain commas)")

    def check_sources(self, path: Path, sources: Any) -> None:
        if not isinstance(sources, list) or not sources:
            return  # reported by the schema check
        for i, source in enumerate(sources):
            if not isinstance(source, dict) or not source.get("title") or not source.get("url"):
                self.error(path, f"source #{i + 1} needs a title and a url")
            elif not re.match(r"^https?://[^\s/]+\.[^\s]+$", str(source["url"])):
                self.error(path, f"source #{i + 1} url is not an http(s) address: {source['url']!r}")
            elif _home_page(str(source["url"])):
                self.report.home_pages.append(Finding(self._rel(path), f"{source['title']} ({source['url']})"))

    def check_checked(self, path: Path, checked: Any) -> None:
        if checked in (None, ""):
            return  # reported by the schema check
        if isinstance(checked, str):
            try:
                checked = dt.date.fromisoformat(checked)
            except ValueError:
                self.error(path, f"checked {checked!r} is not a date (YYYY-MM-DD)")
                return
        if not isinstance(checked, dt.date):
            self.error(path, f"checked {checked!r} is not a date (YYYY-MM-DD)")
        elif checked > self.today:
            self.error(path, f"checked {checked} is in the future")
        elif (self.today - checked).days > STALE_AFTER_DAYS:
            self.warn(path, f"facts last checked {checked}, more than 12 months ago: check them again")

    def check_authorities(self, path: Path, field_name: str, text: str, strict: bool = False, context: str = "") -> None:
        """strict: the field names the authority itself, so no historical wording excuses it.
        context: the whole record, for authorities wrong only for some procedures."""
        context = strip_accents(context or text)
        for sentence in re.split(r"(?<=[.!?;:])\s+|\n+", text):
            plain = strip_accents(sentence)
            if not strict and HISTORICAL.search(sentence.lower()):
                continue
            for pattern, label in ABOLISHED:
                if pattern.search(plain):
                    self.error(path, f"{field_name}: names an abolished authority as current ({label}): {sentence.strip()[:120]!r}")
            for pattern, topic, label in ABOLISHED_IN_CONTEXT:
                if pattern.search(plain) and topic.search(context):
                    self.error(path, f"{field_name}: names an abolished authority as current ({label}): {sentence.strip()[:120]!r}")

    # -- documents -------------------------------------------------------------------------
    def check_document(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
            meta, body = split_front_matter(text)
        except (FrontMatterError, yaml.YAMLError, UnicodeDecodeError) as exc:
            self.error(path, f"cannot read: {str(exc).splitlines()[0]}")
            return
        self.check_nfc(path, text)
        self.report.documents += 1
        self.check_schema(path, meta, DOC_REQUIRED)
        self.check_common(path, meta)
        topic = meta.get("topic")
        if topic not in TOPICS:
            self.error(path, f"topic {topic!r} is not one of {', '.join(TOPICS)}")
        elif path.parent.name != topic:
            self.error(path, f"topic '{topic}' but the file is in folder '{path.parent.name}'")
        if not body.strip():
            self.error(path, "the document has no body text")
        else:
            lead = body.strip().split("\n\n", 1)[0]
            if len(lead.split()) > LEAD_MAX_WORDS:
                self.warn(path, f"first paragraph has {len(lead.split())} words; keep the direct answer under {LEAD_MAX_WORDS}")
        questions = meta.get("questions") if isinstance(meta.get("questions"), list) else []
        if 0 < len(questions) < 3:
            self.warn(path, "fewer than 3 example questions")
        context = f"{meta.get('title', '')}\n{body}"
        for key in ("title", "summary", "uncertain_note"):
            self.check_authorities(path, key, str(meta.get(key) or ""), context=context)
        self.check_authorities(path, "body", body, context=context)

    # -- procedures ------------------------------------------------------------------------
    def check_nfc(self, path: Path, text: str) -> None:
        """Text is stored composed (NFC), as the channels normalise what citizens type: a
        decomposed name looks the same but matches nothing written the usual way."""
        for number, line in enumerate(text.splitlines(), 1):
            if unicodedata.normalize("NFC", line) != line:
                self.error(path, f"line {number} is not in NFC (composed) form: re-save it composed")
                return

    def read_mapping(self, path: Path, what: str) -> Optional[dict]:
        """The YAML mapping in `path`, or None after reporting why it cannot be read."""
        try:
            text = path.read_text(encoding="utf-8")
            data = yamlio.load(text)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.error(path, f"cannot read: {str(exc).splitlines()[0]}")
            return None
        self.check_nfc(path, text)
        if not isinstance(data, dict):
            self.error(path, f"{what} must be a YAML mapping")
            return None
        return data

    def check_procedure(self, path: Path) -> None:
        data = self.read_mapping(path, "a procedure record")
        if data is None:
            return
        self.report.procedures += 1
        self.check_schema(path, data, PROC_REQUIRED)
        self.check_common(path, data)
        online = data.get("online") if isinstance(data.get("online"), dict) else {}
        if online and online.get("level") not in ONLINE_LEVELS:
            self.error(path, f"online.level {online.get('level')!r} is not one of {', '.join(ONLINE_LEVELS)}")
        self.check_aliases(path, data)
        for note in data.get("fee_notes") or []:
            until = note.get("until") if isinstance(note, dict) else None
            if until is None:
                continue
            if isinstance(until, str):
                try:
                    until = dt.date.fromisoformat(until)
                except ValueError:
                    self.error(path, f"fee_notes until {until!r} is not a date")
                    continue
            if until < self.today:
                self.warn(path, f"a fee rule ended on {until}: update the fee")
        context = " ".join(str(x) for x in [data.get("id"), data.get("name"), *(data.get("aliases") or [])])
        for key in ("authority", "where"):
            self.check_authorities(path, key, str(data.get(key) or ""), strict=True, context=context)
        for key in ("processing_time", "fee", "uncertain_note"):
            self.check_authorities(path, key, str(data.get(key) or ""), context=context)
        for key in ("documents", "steps"):
            self.check_authorities(path, key, "\n".join(str(x) for x in data.get(key) or []), context=context)
        notes = "\n".join(str(n.get("text", "")) for n in data.get("fee_notes") or [] if isinstance(n, dict))
        self.check_authorities(path, "fee_notes", notes, context=context)
        self.check_not_for(path, data.get("not_for"), context)

    def check_not_for(self, path: Path, not_for, context: str) -> None:
        """not_for: [{words: [phrases a citizen uses for the neighbour], say: "what to tell them"}]."""
        if not_for is None:
            return
        if not isinstance(not_for, list):
            self.error(path, "not_for must be a list of {words, say}")
            return
        for i, item in enumerate(not_for):
            words = item.get("words") if isinstance(item, dict) else None
            say = str(item.get("say") or "").strip() if isinstance(item, dict) else ""
            if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
                self.error(path, f"not_for[{i}].words must be a non-empty list of phrases")
            if not say:
                self.error(path, f"not_for[{i}].say is empty (tell the citizen where this belongs)")
            self.check_authorities(path, f"not_for[{i}].say", say, context=context)

    def check_aliases(self, path: Path, data: dict) -> None:
        record_id = str(data.get("id", path.stem))
        own = set()
        for alias in [data.get("name", ""), *(data.get("aliases") or [])]:
            key = strip_accents(str(alias))
            if not key or key in own:
                continue
            own.add(key)
            other = self.aliases.get(key)
            if other and other != record_id:
                self.error(path, f"alias {alias!r} is also an alias of '{other}' (a citizen's words must lead to one procedure)")
            self.aliases.setdefault(key, record_id)


    # -- registry --------------------------------------------------------------------------
    def check_registry_file(self, path: Path) -> None:
        data = self.read_mapping(path, "a registry file (with 'field' and 'procedures')")
        if data is None:
            return
        if not str(data.get("field") or "").strip():
            self.error(path, "missing required field 'field' (the lĩnh vực of the file)")
        entries = data.get("procedures")
        if not isinstance(entries, list) or not entries:
            self.error(path, "'procedures' must be a non-empty list")
            return
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                self.error(path, f"procedure #{i + 1} must be a mapping")
                continue
            self.report.registry += 1
            self.check_registry_entry(path, i, entry)

    def check_registry_entry(self, path: Path, i: int, entry: dict) -> None:
        label = f"#{i + 1} {entry.get('code') or entry.get('name') or '?'}"
        for key in REGISTRY_REQUIRED:
            if key not in entry or entry[key] is None:
                self.error(path, f"{label}: missing required field '{key}'")
            elif key not in REGISTRY_MAY_BE_EMPTY and entry[key] in ("", [], {}):
                self.error(path, f"{label}: field '{key}' is empty")
        code = str(entry.get("code") or "")
        if code:
            if not CODE_FORMAT.match(code):
                self.error(path, f"{label}: code {code!r} is not a national code (one digit, a dot, six digits)")
            elif code in self.registry_codes:
                self.error(path, f"{label}: duplicate code {code} (also {self.registry_codes[code]})")
            self.registry_codes.setdefault(code, f"{path.name} {label}")
        if entry.get("level") is not None and entry.get("level") not in REGISTRY_LEVELS:
            self.error(path, f"{label}: level {entry.get('level')!r} is not one of {', '.join(REGISTRY_LEVELS)}")
        if entry.get("online") is not None and entry.get("online") not in REGISTRY_ONLINE:
            self.error(path, f"{label}: online {entry.get('online')!r} is not one of toàn trình, một phần, không or \"\"")
        authority = str(entry.get("authority") or "")
        if DISTRICT.search(strip_accents(authority)):
            self.error(path, f"{label}: authority names the district tier, abolished on 1/7/2025: {authority!r}")
        else:
            context = " ".join(str(x) for x in [entry.get("name"), *(entry.get("aliases") or [])])
            self.check_authorities(path, f"{label}: authority", authority, strict=True, context=context)
        record = str(entry.get("record") or "")
        if record and not (self.root / "procedures" / f"{record}.yml").exists():
            self.error(path, f"{label}: record '{record}' is not in knowledge/procedures/")
        covered_by = str(entry.get("covered_by") or "")
        if covered_by and (record or not (self.root / "procedures" / f"{covered_by}.yml").exists()):
            self.error(path, f"{label}: covered_by '{covered_by}' must name a record in knowledge/procedures/, on an entry without one")
        source = entry.get("source")
        if source is not None:
            if not isinstance(source, dict) or not source.get("title") or not source.get("url"):
                self.error(path, f"{label}: source needs a title and a url")
            elif not re.match(r"^https://[^\s/]+\.[^\s]+$", str(source["url"])):
                self.error(path, f"{label}: source url must start with https:// : {source['url']!r}")
            elif _home_page(str(source["url"])):
                self.report.home_pages.append(Finding(self._rel(path), f"{label}: {source['title']} ({source['url']})"))
        checked = entry.get("checked")
        if checked not in (None, ""):
            self.check_checked(path, checked)
        situations = entry.get("situations")
        if situations is not None and not (isinstance(situations, list) and all(isinstance(x, str) and x.strip() for x in situations)):
            self.error(path, f"{label}: situations must be a list of sentences")
        aliases = entry.get("aliases")
        if aliases is not None and not isinstance(aliases, list):
            self.error(path, f"{label}: aliases must be a list")
            aliases = []
        own = set()
        for alias in [entry.get("name") or "", *(aliases or [])]:
            flat = strip_accents(str(alias))  # the records' alias keys (check_aliases)
            key = re.sub(r"[^0-9a-z]+", " ", flat).strip()
            if not key or key in own:
                continue
            own.add(key)
            record_named = self.aliases.get(flat)
            if record_named and not entry.get("record") and record_named != entry.get("covered_by") and code:
                self.report.overlaps.append(Finding(self._rel(path), f"{label}: {alias!r} also names the record '{record_named}'"))
            other = self.registry_aliases.get(key)
            if other:
                self.error(path, f"{label}: alias {alias!r} is also a name or alias of {other} (ambiguous: a citizen's words must lead to one procedure)")
            self.registry_aliases.setdefault(key, f"{path.name} {label}")

    def run(self) -> Report:
        for path in document_files(self.root / "docs"):
            self.check_document(path)
        for path in sorted((self.root / "procedures").glob("*.y*ml")):
            self.check_procedure(path)
        for path in sorted((self.root / "registry").glob("*.y*ml")):
            self.check_registry_file(path)
        for path in sorted((self.root / "questions").glob("*.jsonl")):
            self.check_questions(path)
        return self.report

    def check_questions(self, path: Path) -> None:
        """Every labelled question (knowledge/questions.py) parses and names records and codes we hold."""
        import json

        from knowledge.questions import NONE, code_of_label, parse

        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                labelled = parse(json.loads(raw), f"line {n}")
            except ValueError as exc:  # json's errors are ValueErrors too
                self.error(path, str(exc) if str(exc).startswith("line ") else f"line {n}: {exc}")
                continue
            for label in labelled.labels:
                code = code_of_label(label)
                if code is not None and code not in self.registry_codes:
                    self.error(path, f"line {n}: code {code} is not in the registry")
                elif code is None and label != NONE and label not in self.ids:
                    self.error(path, f"line {n}: no record '{label}'")


# portals whose home page is itself the place a usage fact is shown ("log in on the portal")
PORTAL_HOMES = {"dichvucong.gov.vn", "vneid.gov.vn"}


def _home_page(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and parts.netloc.lower().removeprefix("www.") not in PORTAL_HOMES


def check(root: Path = KNOWLEDGE_DIR, today: Optional[dt.date] = None) -> Report:
    return Checker(Path(root), today or dt.date.today()).run()


def format_text(report: Report) -> Iterable[str]:
    yield f"{report.documents} documents, {report.procedures} procedures, {report.registry} registry entries"
    for finding in report.errors:
        yield f"ERROR   {finding.file}: {finding.message}"
    for finding in report.warnings:
        yield f"warning {finding.file}: {finding.message}"
    yield f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    if report.home_pages:
        yield (f"{len(report.home_pages)} citations give a site's home page, not the page that states the fact "
               "(listed by --json under home_pages)")
    for finding in report.overlaps:
        yield f"overlap {finding.file}: {finding.message} (link the entry to the record, mark it covered_by the record, or drop the alias from one)"
