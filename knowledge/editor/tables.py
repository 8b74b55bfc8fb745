"""ORM table of the editors' four-eyes workflow (one row per matter with an open draft)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from daoban.timestamps import UtcDateTime


class EditorBase(DeclarativeBase):
    """Declarative base of the editor workbench's tables."""


class WorkflowRow(EditorBase):
    """Where a matter's draft stands: who drafted it, who submitted, what the publisher said.

    ``state`` is one of :class:`knowledge.editor.workflow.DraftState`. Retirement (§6.4) keeps
    its reason and replacement here after the draft cycle ends.
    """

    __tablename__ = "knowledge_workflow"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    drafted_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    effective_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retire_reason: Mapped[str] = mapped_column(Text, default="")
    replacement_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
