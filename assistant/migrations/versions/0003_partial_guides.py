"""Partial guides and catalogue imports: content hashes and review flags of matters.

``content_hash`` (sha256 of the canonical content document) lets a re-import cut a new version
only where the content changed; ``review_flags`` keeps the reason codes of the content check
for a matter an import held as a draft for an editor to review. Matter names widen to 200
characters (official names such as 危险化学品经营许可 variants exceed 100).

Revision ID: 0003_partial_guides
Revises: 0002_guardrails
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_partial_guides"
down_revision: str | None = "0002_guardrails"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the hash and review-flag columns (nullable: rows written before are hashed lazily)."""
    with op.batch_alter_table("knowledge_matters") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("review_flags", sa.JSON, nullable=True))
        batch.alter_column("name", type_=sa.String(200), existing_type=sa.String(100))
    with op.batch_alter_table("knowledge_matter_versions") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("knowledge_matter_versions") as batch:
        batch.drop_column("content_hash")
    with op.batch_alter_table("knowledge_matters") as batch:
        batch.alter_column("name", type_=sa.String(100), existing_type=sa.String(200))
        batch.drop_column("review_flags")
        batch.drop_column("content_hash")
