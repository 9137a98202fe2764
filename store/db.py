"""Tables and engines (SQLAlchemy Core): a SQLite file by default, PostgreSQL by DATABASE_URL.

The same database holds Rasa's tracker store (`events`, bot/stores.py) and our tables below.
Schema changes go through store/migrations.py; `engine_for(url)` migrates before first use.
"""
from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

# Seconds a statement waits for a locked SQLite file or a PostgreSQL connection before it fails
# (and the caller falls back, e.g. to the spool): a turn must not hang on the database.
DB_TIMEOUT_S = 3


def _conversation_columns() -> list:
    """Columns every record about a conversation has (fresh objects for each table)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column("channel", sa.String(32), nullable=False, server_default="unknown"),
        sa.Column("ref", sa.String(32)),  # client-made id, unique (migration 3): a spooled write is stored once
    ]


feedback = sa.Table(
    "feedback",
    metadata,
    *_conversation_columns(),
    sa.Column("rating", sa.String(8)),  # "up" | "down" | NULL for a free comment
    sa.Column("comment", sa.Text),
    sa.Column("question", sa.Text),
    sa.Column("answer_id", sa.String(128)),  # document or procedure id of the rated answer
    sa.Column("topic", sa.String(32)),
    # staff handled a 👎 or a comment (migration 4; epoch seconds, the staff member's name)
    sa.Column("handled_at", sa.Float),
    sa.Column("handled_by", sa.String(64)),
)

handoffs = sa.Table(
    "handoffs",
    metadata,
    *_conversation_columns(),
    sa.Column("reason", sa.Text),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),  # store/desk.py
    # migration 4: a call-back contact the citizen gave on purpose (the one personal number kept
    # unmasked), the first staff reply and who handled the request (epoch seconds)
    sa.Column("contact", sa.String(200)),
    sa.Column("first_response_at", sa.Float),
    sa.Column("handled_at", sa.Float),
    sa.Column("handled_by", sa.String(64)),
)

# indexes (created by migrations 2 and 3; declared here so `create_all` makes the same schema)
sa.Index("ix_handoffs_status", handoffs.c.status)
sa.Index("ix_feedback_created_at", feedback.c.created_at)
sa.Index("ux_feedback_ref", feedback.c.ref, unique=True)
sa.Index("ux_handoffs_ref", handoffs.c.ref, unique=True)

# -- the staff desk (migration 4; store/desk.py, store/staff.py). Times are epoch seconds. --
conversation_owner = sa.Table(
    "conversation_owner",
    metadata,
    sa.Column("conversation_id", sa.String(128), primary_key=True),  # the Rasa sender id
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("owner", sa.String(16), nullable=False),  # bot | waiting | staff
    sa.Column("handoff_id", sa.Integer),  # the open request (None once back with the bot)
    sa.Column("since", sa.Float, nullable=False),  # owner since
    sa.Column("waiting_since", sa.Float),  # the oldest citizen message no staff has answered yet
    sa.Column("told", sa.String(16)),  # what the citizen was last told: "held" (a person will answer) | "later"
    sa.Column("last_citizen_at", sa.Float),  # the citizen's last message (the channels' reply windows)
    sa.Column("replies_since", sa.Integer, nullable=False, server_default="0"),  # messages sent since then
)

desk_messages = sa.Table(
    "desk_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("handoff_id", sa.Integer, index=True),
    sa.Column("feedback_id", sa.Integer, index=True),
    sa.Column("author", sa.String(16), nullable=False),  # citizen | bot | staff
    sa.Column("staff", sa.String(64)),  # who wrote a staff message
    sa.Column("text", sa.Text, nullable=False),  # personal numbers masked (common.redact)
    # staff and gateway messages: outbox (handed to Zalo/Messenger's outbox) | delivered (a
    # widget showed it) | waiting (kept for the widget's next connection) | refused (+ reason)
    sa.Column("delivery", sa.String(16)),
    sa.Column("reason", sa.Text),
)
sa.Index("ix_desk_messages_delivery", desk_messages.c.delivery)

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False, server_default=""),
    sa.Column("password_hash", sa.String(256), nullable=False),  # scrypt, store/staff.py
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.Float, nullable=False),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie, never the cookie
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # admin (STAFF_TOKEN) | staff
    sa.Column("admin_key", sa.String(64)),  # admin sessions: fingerprint of the STAFF_TOKEN they used
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

staff_audit = sa.Table(
    "staff_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),  # a username, "admin" (STAFF_TOKEN), "citizen", "cli"
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(64), nullable=False, server_default=""),  # "handoff:12", "feedback:3", "user:lan"
    sa.Column("detail", sa.Text, nullable=False, server_default=""),  # never a citizen's text
)
sa.Index("ix_staff_audit_at", staff_audit.c.at)

# -- campaigns (migration 5; store/consent.py, store/campaigns.py). Times are epoch seconds. ----
consent_records = sa.Table(
    "consent_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # the citizen: the Rasa sender id (zalo:123, fb:456, web:abc); NULL once anonymised (an
    # erasure, or CONSENT_PROOF_DAYS after the withdrawal): the anonymous proof stays
    sa.Column("subject", sa.String(128), index=True),
    sa.Column("channel", sa.String(32), nullable=False),  # zalo | facebook | web
    sa.Column("topics", sa.String(500), nullable=False),  # topic keys, comma-separated
    sa.Column("wording", sa.Text, nullable=False),  # the exact text shown to the citizen about what they agree to
    sa.Column("method", sa.String(16), nullable=False),  # keyword (they wrote it) | button (the offer's button)
    sa.Column("given_at", sa.Float, nullable=False),
    sa.Column("withdrawn_at", sa.Float),
    sa.Column("withdrawn_by", sa.String(16)),  # keyword | unfollow (Zalo) | erasure (a data-subject request)
    sa.Column("anonymised_at", sa.Float),
)

campaign_contacts = sa.Table(
    "campaign_contacts",
    metadata,
    sa.Column("subject", sa.String(128), primary_key=True),  # the Rasa sender id
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("last_citizen_at", sa.Float),  # the citizen's last message (Zalo's 48 h, Messenger's 24 h)
    sa.Column("offered_at", sa.Float),  # the opt-in button was offered (at most once)
    sa.Column("offered_wording", sa.Text),  # exactly as shown, for the record if they press it
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),  # a staff username, "admin", "api" or "cli"
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),  # as written, without the line on how to stop
    sa.Column("due_at", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # scheduled | sending | done | cancelled
    sa.Column("worker", sa.String(64)),  # the gateway worker that sends it
    sa.Column("started_at", sa.Float),
    sa.Column("finished_at", sa.Float),
)
sa.Index("ix_campaigns_status", campaigns.c.status)

campaign_deliveries = sa.Table(
    "campaign_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.Integer, nullable=False),
    sa.Column("subject", sa.String(128), index=True),  # NULL once anonymised (retention, erasure)
    sa.Column("channel", sa.String(32), nullable=False),
    # queued | outbox (handed to Zalo/Messenger's outbox) | sent (accepted by the platform) |
    # waiting (web: kept until the widget opens) | blocked (the rules forbid it) | failed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("route", sa.String(16)),  # cs | promotion (Zalo) | messenger | web
    sa.Column("code", sa.String(32)),  # why blocked or failed: zalo_48h, messenger_24h, daily_cap, withdrawn...
    sa.Column("reason", sa.Text),
    sa.Column("at", sa.Float),  # when it was handed over (or blocked)
    sa.Column("message_id", sa.Integer),  # web: the kept message in desk_messages
)
sa.Index("ux_campaign_deliveries", campaign_deliveries.c.campaign_id, campaign_deliveries.c.subject, unique=True)
sa.Index("ix_campaign_deliveries_status", campaign_deliveries.c.campaign_id, campaign_deliveries.c.status)

schema_version = sa.Table(
    "dvc_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


def safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    try:
        return repr(sa.engine.make_url(url))
    except Exception:
        return "<unparseable url>"


def sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def configure_engine(url: str, synchronous: str = "FULL") -> sa.engine.Engine:
    """An engine that fails fast instead of hanging (SQLite busy timeout, PostgreSQL connect
    timeout), with SQLite in WAL mode (readers never block the writer). `synchronous`: FULL
    (feedback: every commit survives a power cut) or NORMAL (conversations: every commit
    survives a crash of the process; the last ones may be lost on a power cut; fsyncs less)."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, future=True, connect_args={"timeout": DB_TIMEOUT_S})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # durable and concurrent enough for one host
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.close()

        return engine
    connect_args = {"connect_timeout": DB_TIMEOUT_S} if sa.engine.make_url(url).get_backend_name() == "postgresql" else {}
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_timeout=DB_TIMEOUT_S, connect_args=connect_args)


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    engine = configure_engine(url)
    from store.migrations import upgrade

    upgrade(engine)
    return engine


def migrate(url: str) -> int:
    """Bring the database at `url` to the current schema; returns the schema version."""
    from store.migrations import current_version

    return current_version(engine_for(url))


def get_engine() -> sa.engine.Engine:
    from common.settings import get_settings

    return engine_for(get_settings().db_url)
