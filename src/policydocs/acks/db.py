"""The acknowledgement database: tables (SQLAlchemy Core), engines for SQLite and PostgreSQL.

The schema itself is created and changed only by the Alembic migrations in
``acks/migrations`` (``policydocs acks migrate``); the :data:`metadata` here
describes the same tables for queries.  ``tests/test_acks_store.py`` checks
that a migrated database matches it.

Evidence tables are append-only: ``acknowledgements`` (online, paper and
``void`` correction records), ``hr_log`` and ``seals`` have no UPDATE or
DELETE path in the code, and the migration adds triggers that refuse both on
either database.  ``employees`` are deactivated, never deleted.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

metadata = MetaData()

#: 64-bit ids on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

acks_meta = Table(
    "acks_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

employees = Table(
    "employees", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("employee_no", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("department", String(200), nullable=False),
    Column("position", String(200), nullable=False, server_default=""),
    Column("email", String(320), nullable=False, server_default=""),
    Column("locale", String(16), nullable=False, server_default="zh-Hans"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_at", String(40), nullable=False),
)

hr_users = Table(
    "hr_users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("password_hash", Text, nullable=True),  # argon2; NULL = SSO only
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", String(40), nullable=False),
)

campaigns = Table(
    "campaigns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("policy_id", String(64), nullable=False),
    Column("version", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("audience_kind", String(16), nullable=False),  # all | department | position
    Column("audience_value", Text, nullable=False, server_default=""),
    Column("due_date", String(10), nullable=False),
    Column("requires_ack", Boolean, nullable=False, server_default="1"),
    Column("waiver_reason", Text, nullable=False, server_default=""),
    Column("carries_from", Integer, ForeignKey("campaigns.id"), nullable=True),
    Column("release_hash", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("opened_at", String(40), nullable=False),
    UniqueConstraint("policy_id", "version", "audience_kind", "audience_value", name="uq_campaign_scope"),
)

campaign_texts = Table(
    "campaign_texts", metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), primary_key=True),
    Column("locale", String(16), primary_key=True),
    Column("title", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("html_sha256", String(64), nullable=False),
    Column("file_path", Text, nullable=False),  # inside the acks file store: files/<sha256>.pdf
    Column("file_sha256", String(64), nullable=False),
    Column("file_signed", Boolean, nullable=False),
)

campaign_members = Table(
    "campaign_members", metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), primary_key=True),
    Column("added_at", String(40), nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("id", String(32), primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("expires", BigInteger, nullable=False),  # unix seconds, also signed into the link
    Column("purpose", String(32), nullable=False),  # invite | reminder kind | link
)

acknowledgements = Table(
    "acknowledgements", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("ack_key", String(200), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),  # online | paper | void
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("employee_no", String(64), nullable=False),
    Column("employee_name", String(200), nullable=False),
    Column("department", String(200), nullable=False),
    Column("policy_id", String(64), nullable=False),
    Column("version", String(32), nullable=False),
    Column("locale", String(16), nullable=False, server_default=""),
    Column("file_sha256", String(64), nullable=False, server_default=""),
    Column("text_sha256", String(64), nullable=False, server_default=""),
    Column("statement", Text, nullable=False, server_default=""),
    Column("recorded_at", String(40), nullable=False),
    Column("day", String(10), nullable=False),
    Column("ip", String(64), nullable=False, server_default=""),
    Column("user_agent", Text, nullable=False, server_default=""),
    Column("token_id", String(32), nullable=True, unique=True),
    Column("shown_at", String(40), nullable=False, server_default=""),
    Column("entered_by", String(200), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("scan_sha256", String(64), nullable=False, server_default=""),
    Column("signed_on", String(10), nullable=False, server_default=""),
    Column("voids_seq", SeqType, nullable=True),
    Column("row_hash", String(64), nullable=False),
    Index("ix_acks_campaign_employee", "campaign_id", "employee_id"),
    Index("ix_acks_day", "day"),
)

reminders = Table(
    "reminders", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("slot", String(40), nullable=False),  # invite | before-7 | due | after-2026-05-03 | manual-…
    Column("sent_at", String(40), nullable=False),
    Column("status", String(200), nullable=False),  # sent | failed: …
    UniqueConstraint("campaign_id", "employee_id", "slot", name="uq_reminder_slot"),
)

seals = Table(
    "seals", metadata,
    Column("day", String(10), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("first_seq", SeqType, nullable=False),
    Column("last_seq", SeqType, nullable=False),
    Column("prev_head", String(64), nullable=False),
    Column("head", String(64), nullable=False),
    Column("ledger_seq", Integer, nullable=False),
    Column("sealed_at", String(40), nullable=False),
)

hr_log = Table(
    "hr_log", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("ip", String(64), nullable=False, server_default=""),
)

#: Tables whose rows are evidence: the migration puts UPDATE/DELETE-refusing triggers on them.
APPEND_ONLY = ("acknowledgements", "hr_log", "seals")


def default_url(project_root: Path) -> str:
    """The embedded database of a project: ``<project>/acks/acks.sqlite3``."""
    return f"sqlite:///{(Path(project_root).resolve() / 'acks' / 'acks.sqlite3')}"


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (SQLAlchemy's default driver name is psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    u = make_url(normalize_url(url))
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and full fsync on commit
    (a confirmed acknowledgement survives a crash of the process or the machine)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=pool_size, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy's begin() reaches the listener below

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            # writers take the write lock at BEGIN: two writers never deadlock upgrading a read lock
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


def writer(engine: Engine) -> Engine:
    """The engine for read-write transactions (SQLite: ``BEGIN IMMEDIATE``)."""
    return engine.execution_options(write=True)


def kind_of(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.dialect.name
