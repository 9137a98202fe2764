"""Schema migrations of our tables (not Rasa's `events`, which Rasa creates itself).

Each migration is `(version, description, function(connection))`, applied once, in order, inside
one transaction, and recorded in `dvc_schema_version`. Several processes starting at once (workers,
the action server, the report) are serialised: PostgreSQL by an advisory lock, SQLite by a file
lock next to the database. Write each migration so that it also works on a database where its
change already exists (tables created by `create_all` or an earlier release): check with
`has_column`/`checkfirst` before altering.

To change the schema: edit the table in store/db.py and append a migration here, e.g.
`(2, "feedback.language", lambda c: add_column(c, "feedback", sa.Column("language", sa.String(8))))`.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
from typing import Callable, Iterator, List, Tuple

import sqlalchemy as sa

from store.db import (campaign_contacts, campaign_deliveries, campaigns, consent_records, conversation_owner,
                      desk_messages, feedback, handoffs, schema_version, sqlite_path, staff_audit, staff_sessions,
                      staff_users)

log = logging.getLogger(__name__)

Migration = Tuple[int, str, Callable[[sa.engine.Connection], None]]

_ADVISORY_KEY = 0x64766362  # "dvcb"


def has_column(conn: sa.engine.Connection, table: str, column: str) -> bool:
    return any(c["name"] == column for c in sa.inspect(conn).get_columns(table))


def add_column(conn: sa.engine.Connection, table: str, column: sa.Column) -> None:
    if has_column(conn, table, column.name):
        return
    kind = column.type.compile(dialect=conn.dialect)
    conn.execute(sa.text(f'ALTER TABLE {table} ADD COLUMN "{column.name}" {kind}'))


def create_index(conn: sa.engine.Connection, table: sa.Table, name: str) -> None:
    """Create the index `name` declared on `table` in store/db.py, unless it exists."""
    if any(ix["name"] == name for ix in sa.inspect(conn).get_indexes(table.name)):
        return
    next(ix for ix in table.indexes if ix.name == name).create(conn)


def _v1(conn: sa.engine.Connection) -> None:
    feedback.create(conn, checkfirst=True)
    handoffs.create(conn, checkfirst=True)


def _v2(conn: sa.engine.Connection) -> None:
    """Staff list open handoffs and read feedback by date: index what they filter on."""
    create_index(conn, handoffs, "ix_handoffs_status")
    create_index(conn, feedback, "ix_feedback_created_at")


def _v3(conn: sa.engine.Connection) -> None:
    """`ref`: writes spooled while the database was down are replayed exactly once."""
    for table in (feedback, handoffs):
        add_column(conn, table.name, sa.Column("ref", sa.String(32)))
        create_index(conn, table, f"ux_{table.name}_ref")


def _v4(conn: sa.engine.Connection) -> None:
    """The staff desk: conversation ownership, the staff thread, accounts, sessions, the audit;
    handled marks on feedback and handoffs."""
    for table in (conversation_owner, desk_messages, staff_users, staff_sessions, staff_audit):
        table.create(conn, checkfirst=True)
    for table, names in ((handoffs, ("contact", "first_response_at", "handled_at", "handled_by")),
                         (feedback, ("handled_at", "handled_by"))):
        for name in names:
            add_column(conn, table.name, sa.Column(name, table.c[name].type))


def _v5(conn: sa.engine.Connection) -> None:
    """Campaigns: consent records, the citizens' last messages, campaigns and their deliveries."""
    for table in (consent_records, campaign_contacts, campaigns, campaign_deliveries):
        table.create(conn, checkfirst=True)


MIGRATIONS: List[Migration] = [
    (1, "feedback and handoffs tables", _v1),
    (2, "indexes for the staff report", _v2),
    (3, "unique ref for spooled writes", _v3),
    (4, "staff desk: ownership, thread, accounts, audit", _v4),
    (5, "campaigns: consent records, contacts, campaigns, deliveries", _v5),
]


@contextlib.contextmanager
def _exclusive(engine: sa.engine.Engine, conn: sa.engine.Connection) -> Iterator[None]:
    path = sqlite_path(str(engine.url))
    if path is not None:
        with open(f"{path}.migrate-lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    if engine.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    yield


def current_version(engine: sa.engine.Engine) -> int:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(schema_version.name):
            return 0
        return conn.execute(sa.select(sa.func.coalesce(sa.func.max(schema_version.c.version), 0))).scalar_one()


def upgrade(engine: sa.engine.Engine) -> List[int]:
    """Apply the pending migrations; returns the versions applied (empty when up to date)."""
    applied: List[int] = []
    with engine.begin() as conn, _exclusive(engine, conn):
        schema_version.create(conn, checkfirst=True)
        done = set(conn.execute(sa.select(schema_version.c.version)).scalars())
        for version, description, apply in MIGRATIONS:
            if version in done:
                continue
            apply(conn)
            conn.execute(schema_version.insert().values(version=version, description=description))
            applied.append(version)
            log.info("database migrated to version %d: %s", version, description)
    return applied
