"""The procedure registry (knowledge/registry/*.yml): every procedure a citizen may name, with its
national code, level, authority and online level, but no documents or steps. A question about a
procedure with no full record in knowledge/procedures/ is answered briefly from here."""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from common import yamlio

from knowledge.normalize import search_form, strip_accents

REGISTRY_DIR = Path(__file__).resolve().parent / "registry"
CODE_PATTERN = re.compile(r"(?<![\d.])(\d\.\d{6})(?![\d])")
_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass
class RegistryEntry:
    code: str
    name: str
    field: str
    level: str
    authority: str
    online: str
    aliases: List[str]
    summary: str
    record: str
    source_title: str
    source_url: str
    checked: Optional[dt.date]
    file: str = ""
    # how citizens describe the need in everyday words ("mẹ tôi mất, mấy anh em muốn chia đất"):
    # read by the encoder and the registry matcher, never shown
    situations: List[str] = field(default_factory=list)
    # a full record whose text also covers this procedure without being its record ("Cấp, đổi, cấp
    # lại thẻ căn cước" covers 1.014064, cấp lại): questions about either are about one subject
    # (answering/examples.py), while the answers stay apart
    covered_by: str = ""

    @classmethod
    def from_dict(cls, data: dict, field_name: str, file: str = "") -> "RegistryEntry":
        source = data.get("source") or {}
        checked = data.get("checked")
        if isinstance(checked, str):
            checked = dt.date.fromisoformat(checked)
        return cls(
            code=str(data.get("code") or ""),
            name=str(data.get("name") or ""),
            field=str(data.get("field") or field_name),  # an imported entry names its own
            level=str(data.get("level") or ""),
            authority=str(data.get("authority") or ""),
            online=str(data.get("online") or ""),
            aliases=[str(a) for a in data.get("aliases") or []],
            summary=str(data.get("summary") or ""),
            record=str(data.get("record") or ""),
            source_title=str(source.get("title") or ""),
            source_url=str(source.get("url") or ""),
            checked=checked,
            file=file,
            situations=[str(x) for x in data.get("situations") or []],
            covered_by=str(data.get("covered_by") or ""),
        )


def match_key(text: str) -> str:
    """The form names, aliases and messages are compared in: accent-free, lowercase, words only."""
    return _NON_WORD.sub(" ", strip_accents(str(text))).strip()


def load_registry_file(path: Path) -> List[RegistryEntry]:
    with open(path, encoding="utf-8") as fh:
        data = yamlio.load(fh) or {}
    field_name = str(data.get("field") or path.stem)
    return [RegistryEntry.from_dict(item, field_name, path.name) for item in data.get("procedures") or []]


@functools.lru_cache(maxsize=4)
def load_registry(directory: Path = REGISTRY_DIR) -> List[RegistryEntry]:
    entries: List[RegistryEntry] = []
    for path in sorted(Path(directory).glob("*.yml")):
        entries.extend(load_registry_file(path))
    return entries


class RegistryMatcher:
    """Finds registry entries named in free text by their official name, aliases or code.

    Whole words, accent- and case-insensitive; the longest name found wins, so
    "đăng ký lại khai sinh" beats "khai sinh"."""

    def __init__(self, entries: List[RegistryEntry]):
        self.entries = list(entries)
        self.by_code: Dict[str, RegistryEntry] = {e.code: e for e in self.entries if e.code}
        keys: Dict[str, RegistryEntry] = {}
        for entry in self.entries:
            for alias in [entry.name, *entry.aliases]:
                key = match_key(alias)
                if key:
                    keys.setdefault(key, entry)  # the linter rejects an alias shared by two entries
        self._keys: List[Tuple[str, RegistryEntry]] = sorted(keys.items(), key=lambda kv: -len(kv[0]))

    def _matches(self, text: str) -> List[Tuple[int, int, RegistryEntry]]:
        """(start, end, entry) spans, longest first, none inside a longer one already taken."""
        found: List[Tuple[int, int, RegistryEntry]] = []
        for code in CODE_PATTERN.findall(text):
            if code in self.by_code:
                found.append((-1, -1, self.by_code[code]))
        forms = [f" {match_key(text)} "]
        expanded = f" {match_key(search_form(text))} "
        if expanded != forms[0]:
            forms.append(expanded)
        for form in forms:
            taken: List[Tuple[int, int]] = []
            for key, entry in self._keys:
                start = form.find(f" {key} ")
                while start != -1:
                    end = start + len(key) + 1
                    if not any(s <= start and end <= e for s, e in taken):
                        taken.append((start, end))
                        found.append((start, end, entry))
                        break
                    start = form.find(f" {key} ", start + 1)
            if len(found) > 0:
                break  # text as typed matched; the expanded form is only a fallback
        return found

    def find(self, text: Optional[str]) -> Optional[RegistryEntry]:
        if not text:
            return None
        matches = self._matches(text)
        return matches[0][2] if matches else None

    def find_all(self, text: Optional[str]) -> List[RegistryEntry]:
        if not text:
            return []
        result: List[RegistryEntry] = []
        for _, _, entry in self._matches(text):
            if all(entry is not seen for seen in result):
                result.append(entry)
        return result


@functools.lru_cache(maxsize=1)
def default_registry_matcher() -> RegistryMatcher:
    return RegistryMatcher(load_registry())


@functools.lru_cache(maxsize=1)
def entries_by_code() -> Dict[str, RegistryEntry]:
    """Each registry entry with a national code, by that code ("1.001653")."""
    return {entry.code: entry for entry in load_registry() if entry.code}


def entry_in(text: str) -> Optional[RegistryEntry]:
    """The registry entry whose national code the text names ("thủ tục 1.001653 là gì"), if any."""
    codes = entries_by_code()
    for code in CODE_PATTERN.findall(text or ""):
        if code in codes:
            return codes[code]
    return None
