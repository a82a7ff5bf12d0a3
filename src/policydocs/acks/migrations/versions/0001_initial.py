"""The acknowledgement database: people, campaigns, tokens, append-only acknowledgements, seals, HR log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("acknowledgements", "hr_log", "seals")


def upgrade() -> None:
    meta = op.create_table(
        "acks_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("employee_no", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("position", sa.String(200), nullable=False, server_default=""),
        sa.Column("email", sa.String(320), nullable=False, server_default=""),
        sa.Column("locale", sa.String(16), nullable=False, server_default="zh-Hans"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "hr_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(200), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("audience_kind", sa.String(16), nullable=False),
        sa.Column("audience_value", sa.Text, nullable=False, server_default=""),
        sa.Column("due_date", sa.String(10), nullable=False),
        sa.Column("requires_ack", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("waiver_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("carries_from", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=True),
        sa.Column("release_hash", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("policy_id", "version", "audience_kind", "audience_value", name="uq_campaign_scope"),
    )
    op.create_table(
        "campaign_texts",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("locale", sa.String(16), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("html_sha256", sa.String(64), nullable=False),
        sa.Column("file_path", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_signed", sa.Boolean, nullable=False),
    )
    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("employee_id", sa.Integer, sa.ForeignKey("employees.id"), primary_key=True),
        sa.Column("added_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("employee_id", sa.Integer, sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("expires", sa.BigInteger, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
    )
    op.create_table(
        "acknowledgements",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("ack_key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("employee_id", sa.Integer, sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("employee_no", sa.String(64), nullable=False),
        sa.Column("employee_name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False, server_default=""),
        sa.Column("file_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("text_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("statement", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
        sa.Column("token_id", sa.String(32), nullable=True, unique=True),
        sa.Column("shown_at", sa.String(40), nullable=False, server_default=""),
        sa.Column("entered_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("scan_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("signed_on", sa.String(10), nullable=False, server_default=""),
        sa.Column("voids_seq", SEQ, nullable=True),
        sa.Column("row_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_acks_campaign_employee", "acknowledgements", ["campaign_id", "employee_id"])
    op.create_index("ix_acks_day", "acknowledgements", ["day"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("employee_id", sa.Integer, sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("slot", sa.String(40), nullable=False),
        sa.Column("sent_at", sa.String(40), nullable=False),
        sa.Column("status", sa.String(200), nullable=False),
        sa.UniqueConstraint("campaign_id", "employee_id", "slot", name="uq_reminder_slot"),
    )
    op.create_table(
        "seals",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_seq", SEQ, nullable=False),
        sa.Column("last_seq", SEQ, nullable=False),
        sa.Column("prev_head", sa.String(64), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.Column("sealed_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "hr_log",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    )
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    op.bulk_insert(meta, [{"key": "database_id", "value": str(uuid.uuid4())},
                          {"key": "created_at", "value": now}])
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the evidence tables in the database itself."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for what in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    elif dialect == "postgresql":
        op.execute("CREATE FUNCTION acks_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION acks_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION acks_append_only()")


def downgrade() -> None:
    raise NotImplementedError("the acknowledgement database holds evidence: no downgrades")
