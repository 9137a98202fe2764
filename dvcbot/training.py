"""Train the Rasa model from bot/ and data/nlu/, skipping when nothing changed.

The model file is named after a fingerprint of every training input (config, domain, stories,
rules, NLU data, the custom components, the epochs override), so an up-to-date model is found
without importing Rasa.
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

import yaml

from common.settings import Settings, get_settings

EPOCH_COMPONENTS = {"DIETClassifier", "TEDPolicy", "ResponseSelector", "UnexpecTEDIntentPolicy"}


def bot_paths(settings: Settings) -> dict:
    root = settings.project_root
    return {
        "config": root / "bot" / "config.yml",
        "domain": root / "bot" / "domain.yml",
        "training_files": [root / "data" / "nlu", root / "bot" / "data"],
        "components": root / "bot" / "components",
    }


def _input_files(settings: Settings) -> List[Path]:
    paths = bot_paths(settings)
    files = [paths["config"]]
    for entry in [paths["domain"], *paths["training_files"], paths["components"]]:
        if entry.is_dir():
            files.extend(sorted(p for p in entry.rglob("*") if p.suffix in {".yml", ".yaml", ".py", ".txt"}))
        elif entry.exists():
            files.append(entry)
    return files


def fingerprint(settings: Optional[Settings] = None) -> str:
    settings = settings or get_settings()
    digest = hashlib.sha256(f"epochs={settings.train_epochs}".encode())
    for path in _input_files(settings):
        digest.update(str(path.relative_to(settings.project_root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_path(settings: Optional[Settings] = None) -> Path:
    settings = settings or get_settings()
    return settings.model_dir / f"dvc-bot-{fingerprint(settings)}.tar.gz"


def _config_with_epochs(config: Path, epochs: int, workdir: Path) -> Path:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for section in ("pipeline", "policies"):
        for component in data.get(section) or []:
            if component.get("name") in EPOCH_COMPONENTS:
                component["epochs"] = epochs
    out = workdir / "config.yml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def train(force: bool = False, settings: Optional[Settings] = None, log=print) -> Path:
    """Return the path of an up-to-date model, training one if needed."""
    settings = settings or get_settings()
    target = model_path(settings)
    if target.exists() and not force:
        log(f"Model is up to date: {target} (data and config unchanged; use --force to retrain)")
        return target
    paths = bot_paths(settings)
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    log("Training the Rasa model (NLU + dialogue); progress bars follow...")
    start = time.monotonic()
    import dvcbot.quiet  # noqa: F401
    import rasa.model_training  # heavy import: only when training

    # Train into a scratch folder and move the archive into place only when it is complete:
    # an interrupted training must never leave a half-written model that looks up to date.
    with tempfile.TemporaryDirectory(dir=settings.model_dir, prefix=".training-") as tmp:
        config = paths["config"]
        if settings.train_epochs:
            config = _config_with_epochs(config, settings.train_epochs, Path(tmp))
        result = rasa.model_training.train(
            domain=str(paths["domain"]),
            config=str(config),
            training_files=[str(p) for p in paths["training_files"]],
            output=tmp,
            fixed_model_name=target.name[: -len(".tar.gz")],
            force_training=True,
        )
        built = Path(tmp) / target.name
        if result.code != 0 or not built.exists():
            raise RuntimeError(f"Rasa training failed (code {result.code})")
        built.replace(target)
    log(f"Trained {target.name} in {time.monotonic() - start:.0f} s")
    return target


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
