"""Knowledge: cached passage vectors of the semantic channel, keyed by content hash.

Revision ID: 0004_matter_vectors
Revises: 0006_backoffice
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_matter_vectors"
down_revision: str | None = "0006_backoffice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the vector cache table."""
    op.create_table(
        "knowledge_matter_vectors",
        sa.Column("model", sa.String(64), primary_key=True),
        sa.Column("text_hash", sa.String(64), primary_key=True),
        sa.Column("dimension", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the vector cache table."""
    op.drop_table("knowledge_matter_vectors")
