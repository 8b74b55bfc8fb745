"""Guardrails: review queue, corrections, reviewer lexicon changes, audit log.

Revision ID: 0002_guardrails
Revises: 0001_knowledge
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_guardrails"
down_revision: str | None = "0001_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the guardrails tables."""
    op.create_table(
        "guardrails_review_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("reason_codes", sa.JSON, nullable=False),
        sa.Column("primary_reason", sa.String(64), nullable=False, index=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False, index=True),
        sa.Column("matter_code", sa.String(64), nullable=True, index=True),
        sa.Column("aspect", sa.String(32), nullable=True),
        sa.Column("policy_version", sa.String(32), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("correction", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "guardrails_corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("matter_code", sa.String(64), nullable=False),
        sa.Column("aspect", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("review_item_id", sa.Integer, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("matter_code", "aspect", name="uq_correction_aspect"),
    )
    op.create_table(
        "guardrails_lexicon_terms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("term", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("term", "category", name="uq_lexicon_term"),
    )
    op.create_table(
        "guardrails_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("actor", sa.String(64), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False, index=True),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    """Drop the guardrails tables."""
    for table in (
        "guardrails_audit",
        "guardrails_lexicon_terms",
        "guardrails_corrections",
        "guardrails_review_items",
    ):
        op.drop_table(table)
