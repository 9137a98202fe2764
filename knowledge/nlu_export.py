"""Generate data/nlu/procedure_synonyms.yml from the catalog: entity synonyms (every alias ->
the procedure id, so NLU hands actions a catalog id) and a lookup table for the RegexFeaturizer.

    dvc-bot knowledge export-nlu     (a test fails when the committed file is out of date)
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict

from knowledge.catalog import Procedure, load_procedures

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "nlu" / "procedure_synonyms.yml"
HEADER = "# Generated from knowledge/procedures by `dvc-bot knowledge export-nlu`. Do not edit by hand.\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(procedures: Dict[str, Procedure]) -> str:
    lines = [HEADER, 'version: "3.1"', "nlu:"]
    names = []
    for proc in procedures.values():
        variants = []
        for alias in [proc.name, *proc.aliases]:
            alias = str(alias).strip()
            if alias and alias.lower() not in {v.lower() for v in variants}:
                variants.append(alias)
        names.extend(variants)
        lines.append(f"  - synonym: {proc.id}")
        lines.append("    examples: |")
        lines.extend(f"      - {v}" for v in variants)
    lines.append("  - lookup: procedure")
    lines.append("    examples: |")
    lines.extend(f"      - {n}" for n in sorted(set(names), key=str.lower))
    return "\n".join(lines) + "\n"


def export(path: Path = OUTPUT) -> Path:
    path.write_text(render(load_procedures()), encoding="utf-8")
    return path
