"""The guardrails audit log (GB/T 47483 §9.3.3 b): who did what, when, to which object.

Details never hold citizen text: they name ids, statuses, reason codes and lexicon terms.

The actor is always an authenticated identity: a back-office token's holder
(:class:`~guardrails.models.Principal`, from the server's token list), a kiosk credential's
terminal (``kiosk:<id>``), the operating-system account running the CLI (``os:<user>``), or
the service itself (``system``). A self-declared name (``--editor``) is kept only as a
display name in the detail. Failed logins are recorded with the :data:`ANONYMOUS` actor.
Timestamps are UTC and timezone-aware (:class:`daoban.timestamps.UtcDateTime`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from daoban.timestamps import aware_utc
from guardrails.errors import AuditUnavailableError
from guardrails.models import AuditEntry, Principal
from guardrails.tables import AuditRow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Actor:
    """An authenticated actor that is not a back-office token holder.

    ``name`` (≤ 64 chars) is the identity (``kiosk:K-01``, ``os:deploy``, ``system``); ``role``
    (≤ 16 chars) says what kind (``kiosk``, ``cli``, ``system``, ``none``).
    """

    name: str
    role: str


ANONYMOUS = Actor(name="anonymous", role="none")
"""Who a failed login is recorded as: the presented token is never stored."""
SYSTEM_ACTOR = Actor(name="system", role="system")
"""The service itself (first-start seeding of the sample matters)."""


def kiosk_actor(kiosk_id: str | None) -> Actor:
    """The terminal that called (``kiosk:<id>``), or ``kiosk:anonymous`` when allowed anonymous."""
    return Actor(name=f"kiosk:{kiosk_id or 'anonymous'}"[:64], role="kiosk")


def _role(actor: Principal | Actor) -> str:
    role = actor.role
    return str(getattr(role, "value", role))[:16]


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
        actor: Principal | Actor,
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
                actor=actor.name[:64],
                role=_role(actor),
                action=action[:32],
                target=target[:64],
                detail=detail[:1000],
                at=self._clock(),
                hash_before=hash_before,
                hash_after=hash_after,
            )
        )

    def record(
        self, actor: Principal | Actor, action: str, target: str, detail: str = ""
    ) -> None:
        """Record one operation in its own transaction (reads, failed logins, pre-fills).

        Raises:
            AuditUnavailableError: the row could not be written (503; the caller's operation
                must not go on unaudited).
        """
        try:
            with self._sessions.begin() as session:
                self.add(session, actor, action, target, detail)
        except SQLAlchemyError as exc:
            logger.error("audit write failed", extra={"action": action,
                                                      "error": type(exc).__name__})
            raise AuditUnavailableError() from None

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
                    at=aware_utc(r.at),
                    hash_before=r.hash_before,
                    hash_after=r.hash_after,
                )
                for r in session.scalars(query)
            ]
