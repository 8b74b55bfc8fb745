"""The change feed: one row per change every worker must apply (publish, lexicon, ...).

Revision ID: 0007_change_feed
Revises: 0003_partial_guides
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_change_feed"
down_revision: str | None = "0003_partial_guides"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``daoban_change_feed`` (sequence, kind, origin, time)."""
    op.create_table(
        "daoban_change_feed",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the change feed."""
    op.drop_table("daoban_change_feed")
