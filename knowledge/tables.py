"""ORM tables of the knowledge package; rows never leave the package (the store returns models).

``knowledge_matters`` holds each matter's current content and state; ``knowledge_matter_versions``
keeps a snapshot of every published change (GB/T 47483 §6.3/§6.4), so an editor can see what a
citizen was told on a given day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from daoban.timestamps import UtcDateTime


class KnowledgeBase(DeclarativeBase):
    """Declarative base of the knowledge package's tables."""


class MatterRow(KnowledgeBase):
    """Current state of a matter: content (JSON document) plus life-cycle columns."""

    __tablename__ = "knowledge_matters"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    editor: Mapped[str] = mapped_column(String(64), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    """sha256 of the canonical content document (see ``knowledge.store.content_hash``)."""
    review_flags: Mapped[list[str] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True, default=None
    )
    """Reason codes of the content check that held this draft for review (None: not held)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MatterVersionRow(KnowledgeBase):
    """A published version of a matter, kept forever."""

    __tablename__ = "knowledge_matter_versions"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_matter_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    editor: Mapped[str] = mapped_column(String(64), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MatterVectorRow(KnowledgeBase):
    """A cached passage vector of the semantic channel (see :mod:`knowledge.vectors`).

    Keyed by the embedding model and the sha256 of the passage text, so an unchanged matter
    is never embedded twice, and a changed one (or another model) gets a new row.
    """

    __tablename__ = "knowledge_matter_vectors"

    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    """float32 little-endian, ``dimension`` values."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
