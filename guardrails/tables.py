"""ORM tables of the guardrails package; rows never leave the package (services return models).

* ``guardrails_review_items`` — flagged turns, redacted text only (§9.4.1 b, d);
* ``guardrails_corrections`` — the live (approved) answer per matter and aspect, used by later
  turns;
* ``guardrails_proposals`` — every correction and overturn, versioned, with who proposed and
  who approved (four-eyes), withdrawn or stale;
* ``guardrails_training_examples`` — overturned refusals (redacted), training data;
* ``guardrails_lexicon_terms`` — terms reviewers added or removed (the bundled list is a file);
* ``guardrails_audit`` — every reviewer decision and lexicon change: who, when, what (§9.3.3 b).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from daoban.timestamps import UtcDateTime


class GuardrailsBase(DeclarativeBase):
    """Declarative base of the guardrails package's tables."""


class ReviewItemRow(GuardrailsBase):
    """A flagged turn; ``question`` and ``answer`` are redacted before they get here."""

    __tablename__ = "guardrails_review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    primary_reason: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    aspect: Mapped[str | None] = mapped_column(String(32), nullable=True)
    policy_version: Mapped[str] = mapped_column(String(32))
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    correction: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CorrectionRow(GuardrailsBase):
    """The approved answer for one matter and aspect (the newest correction wins)."""

    __tablename__ = "guardrails_corrections"
    __table_args__ = (UniqueConstraint("matter_code", "aspect", name="uq_correction_aspect"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matter_code: Mapped[str] = mapped_column(String(64))
    aspect: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    review_item_id: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    proposal_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    matter_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ProposalRow(GuardrailsBase):
    """A correction or overturn proposed by one reviewer, approved by another."""

    __tablename__ = "guardrails_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    review_item_id: Mapped[int] = mapped_column(Integer, index=True)
    matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    aspect: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    allow_term: Mapped[str | None] = mapped_column(String(32), nullable=True)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    matter_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class TrainingExampleRow(GuardrailsBase):
    """An overturned refusal: redacted text the classifiers should learn to answer."""

    __tablename__ = "guardrails_training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    refused_as: Mapped[str] = mapped_column(String(64))
    review_item_id: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LexiconTermRow(GuardrailsBase):
    """A reviewer's lexicon change: an added term, or a removed (disabled) bundled one."""

    __tablename__ = "guardrails_lexicon_terms"
    __table_args__ = (UniqueConstraint("term", "category", name="uq_lexicon_term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    term: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditRow(GuardrailsBase):
    """One audited operation (§9.3.3 b): actor, role, action, target, detail, time."""

    __tablename__ = "guardrails_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    hash_before: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    """Content hash of the object before the operation (matter edits; None otherwise)."""
    hash_after: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    """Content hash of the object after the operation."""


def memory_sessionmaker() -> sessionmaker[Session]:
    """Sessions on a new in-memory SQLite database holding the guardrails' tables.

    For callers that keep no review queue on purpose (``daoban guard``, the safety evals,
    unit tests); the service passes its migrated database instead. The status of a guard
    built on it says so (``review_store: memory``). Statement parameters are never shown in
    errors (they may hold citizen text).
    """
    engine = create_engine(
        "sqlite://",
        poolclass=StaticPool,
        connect_args={"check_same_thread": False},
        hide_parameters=True,
    )
    GuardrailsBase.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


def is_memory(session_factory: sessionmaker[Session]) -> bool:
    """Whether ``session_factory`` is bound to an in-memory SQLite database."""
    bind = session_factory.kw.get("bind")
    url = getattr(bind, "url", None)
    return (
        url is not None
        and url.get_backend_name() == "sqlite"
        and url.database
        in (
            None,
            "",
            ":memory:",
        )
    )
