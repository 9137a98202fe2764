"""YAML reading for the knowledge files: libyaml's C parser when PyYAML has it (about ten times
faster than the pure-Python one on the ~550 files the linter and loaders read), the same safe
subset either way."""
from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(source: Any) -> Any:
    """yaml.safe_load, faster: `source` is a string or a file opened for reading."""
    return yaml.load(source, Loader=_LOADER)  # noqa: S506 - a safe loader
