"""The guardrails audit log (GB/T 47483 §9.3.3 b): who did what, when, to which object.

Details never hold citizen text: they name ids, statuses, reason codes and lexicon terms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from guardrails.models import AuditEntry, Principal
from guardrails.tables import AuditRow

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class AuditLog:
    """Append-only audit records in ``guardrails_audit``."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock = utc_now) -> None:
        self._sessions = session_factory
        self._clock = clock

    def add(
        self,
        session: Session,
        actor: Principal,
        action: str,
        target: str,
        detail: str = "",
        *,
        hash_before: str | None = None,
        hash_after: str | None = None,
    ) -> None:
        """Record one operation inside the caller's transaction.

        ``hash_before`` / ``hash_after`` are content hashes (sha256 hex) of the object the
        operation changed, for matter edits (§9.3.3 b: what changed is traceable).
        """
        session.add(
            AuditRow(
                actor=actor.name,
                role=actor.role.value,
                action=action,
                target=target,
                detail=detail,
                at=self._clock(),
                hash_before=hash_before,
                hash_after=hash_after,
            )
        )

    def entries(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Newest entries first, optionally filtered by actor, action and target (``review:7``)."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if actor:
            query = query.where(AuditRow.actor == actor)
        if action:
            query = query.where(AuditRow.action == action)
        if target:
            query = query.where(AuditRow.target == target)
        with self._sessions() as session:
            return [
                AuditEntry(
                    id=r.id,
                    actor=r.actor,
                    role=r.role,
                    action=r.action,
                    target=r.target,
                    detail=r.detail,
                    at=r.at,
                    hash_before=r.hash_before,
                    hash_after=r.hash_after,
                )
                for r in session.scalars(query)
            ]
