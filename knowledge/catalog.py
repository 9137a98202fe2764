"""Load the procedure catalog (knowledge/procedures/*.yml) and find a procedure by what a
citizen typed."""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from common import yamlio

from knowledge.normalize import search_form, strip_accents

PROCEDURES_DIR = Path(__file__).resolve().parent / "procedures"


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass
class Procedure:
    id: str
    name: str
    aliases: List[str]
    authority: str
    where: str
    processing_time: str
    fee: str
    documents: List[str]
    steps: List[str]
    sources: List[Source]
    checked: dt.date
    online: Dict[str, str] = field(default_factory=dict)
    fee_notes: List[Dict[str, object]] = field(default_factory=list)
    legal_basis: List[str] = field(default_factory=list)
    uncertain: bool = False
    uncertain_note: str = ""
    code: str = ""
    # neighbours this record is NOT for: [{"words": [...], "say": "..."}] ("quán ăn" for the
    # agricultural food-safety certificate): a question naming one gets `say` and a referral
    not_for: List[Dict[str, object]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "Procedure":
        data = dict(data)
        data["sources"] = [Source(s["title"], s["url"]) for s in data.get("sources") or []]
        checked = data.get("checked")
        if isinstance(checked, str):
            checked = dt.date.fromisoformat(checked)
        data["checked"] = checked
        data["code"] = str(data.get("code") or "")
        known = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in known})


def load_procedure_file(path: Path) -> Procedure:
    with open(path, encoding="utf-8") as fh:
        return Procedure.from_dict(yamlio.load(fh))


@functools.lru_cache(maxsize=4)
def load_procedures(directory: Path = PROCEDURES_DIR) -> Dict[str, Procedure]:
    procedures = {}
    for path in sorted(Path(directory).glob("*.yml")):
        proc = load_procedure_file(path)
        procedures[proc.id] = proc
    _codes_from_registry(procedures)
    return procedures


def _codes_from_registry(procedures: Dict[str, Procedure]) -> None:
    """A record without its own `code` takes the national code of the registry entry that links
    to it (the first, when a record covers several, e.g. passports at province and ministry)."""
    from knowledge.registry import load_registry

    for entry in load_registry():
        proc = procedures.get(entry.record)
        if proc is not None and not proc.code and entry.code:
            proc.code = entry.code


class ProcedureMatcher:
    """Finds a procedure from free text by its name and aliases, accent- and case-insensitive.

    The longest alias found as whole words wins ("cấp lại căn cước" beats "căn cước")."""

    def __init__(self, procedures: Dict[str, Procedure]):
        self.procedures = procedures
        keys = []
        for proc in procedures.values():
            for alias in [proc.name, proc.id.replace("-", " "), *proc.aliases]:
                key = re.sub(r"[^0-9a-z]+", " ", strip_accents(str(alias))).strip()
                if key:
                    keys.append((key, proc.id))
        keys.sort(key=lambda kv: -len(kv[0]))
        self._keys = keys
        self._exact = {}
        for key, pid in keys:
            self._exact.setdefault(key, pid)

    def find(self, text: Optional[str]) -> Optional[Procedure]:
        if not text:
            return None
        if text in self.procedures:
            return self.procedures[text]
        needle = strip_accents(text)
        if needle in self._exact:
            return self.procedures[self._exact[needle]]
        for form in (needle, search_form(text)):  # as typed, then with abbreviations expanded
            padded = f" {re.sub(r'[^0-9a-z]+', ' ', form)} "
            for key, pid in self._keys:
                if f" {key} " in padded:
                    return self.procedures[pid]
        return None

    def find_all(self, text: Optional[str]) -> List[Tuple[str, str, int, int]]:
        """Every name or alias found as whole words: (procedure id, alias key, first word, end
        word), positions in the accent-free words of the text with abbreviations expanded."""
        if not text:
            return []
        found = []
        seen = set()
        for form in (search_form(text), re.sub(r"[^0-9a-z]+", " ", strip_accents(text))):
            tokens = re.sub(r"[^0-9a-z]+", " ", form).split()
            for key, pid in self._keys:
                key_tokens = key.split()
                n = len(key_tokens)
                for i in range(len(tokens) - n + 1):
                    if tokens[i:i + n] == key_tokens and (pid, key) not in seen:
                        seen.add((pid, key))
                        found.append((pid, key, i, i + n))
            if found:
                break
        return found


@functools.lru_cache(maxsize=1)
def default_matcher() -> ProcedureMatcher:
    return ProcedureMatcher(load_procedures())
