"""Review four-eyes: proposals, versioned corrections, training examples (issue 9).

Corrections and overturned refusals become proposals a second reviewer approves; the live
correction records its version and the matter's version; overturns feed training examples.

Revision ID: 0005_review_four_eyes
Revises: 0004_matter_vectors
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_review_four_eyes"
down_revision: str | None = "0004_matter_vectors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the proposals and training-example tables and the correction's version columns."""
    op.create_table(
        "guardrails_proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("review_item_id", sa.Integer, nullable=False, index=True),
        sa.Column("matter_code", sa.String(64), nullable=True, index=True),
        sa.Column("aspect", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("allow_term", sa.String(32), nullable=True),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matter_version", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "guardrails_training_examples",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("refused_as", sa.String(64), nullable=False),
        sa.Column("review_item_id", sa.Integer, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    with op.batch_alter_table("guardrails_corrections") as batch:
        batch.add_column(sa.Column("proposal_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("matter_version", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    with op.batch_alter_table("guardrails_corrections") as batch:
        batch.drop_column("matter_version")
        batch.drop_column("version")
        batch.drop_column("proposal_id")
    op.drop_table("guardrails_training_examples")
    op.drop_table("guardrails_proposals")
