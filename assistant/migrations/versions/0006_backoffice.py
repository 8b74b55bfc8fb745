"""The back office: hourly usage counters, feedback keys, the editors' workflow, audit hashes.

* ``stats_hourly`` — counts only (GB/T 47483 §10.1), one row per hour, kiosk, matter, event,
  reason and channel, upserted atomically by every worker; no text, no session id.
* ``backoffice_keys`` — named random keys shared by every worker (the answer-id signing key).
* ``knowledge_workflow`` — four-eyes state of a matter's draft: who drafted and submitted it,
  the publisher's comment, a scheduled effective date, and the retirement reason (§6.4).
* ``guardrails_audit`` gains ``hash_before`` / ``hash_after`` (content hashes, §9.3.3 b).

Revision ID: 0006_backoffice
Revises: 0007_change_feed
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_backoffice"
down_revision: str | None = "0007_change_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the counters, keys and workflow tables; add the audit hash columns."""
    op.create_table(
        "stats_hourly",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("matter_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint(
            "hour", "kiosk_id", "matter_code", "event", "reason", "channel",
            name="uq_stats_hourly_key",
        ),
    )
    op.create_index("ix_stats_hourly_hour", "stats_hourly", ["hour"])
    op.create_table(
        "backoffice_keys",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "knowledge_workflow",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("drafted_by", sa.JSON, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("retire_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("replacement_code", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_knowledge_workflow_state", "knowledge_workflow", ["state"])
    with op.batch_alter_table("guardrails_audit") as batch:
        batch.add_column(sa.Column("hash_before", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash_after", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    with op.batch_alter_table("guardrails_audit") as batch:
        batch.drop_column("hash_after")
        batch.drop_column("hash_before")
    op.drop_index("ix_knowledge_workflow_state", "knowledge_workflow")
    op.drop_table("knowledge_workflow")
    op.drop_table("backoffice_keys")
    op.drop_index("ix_stats_hourly_hour", "stats_hourly")
    op.drop_table("stats_hourly")
