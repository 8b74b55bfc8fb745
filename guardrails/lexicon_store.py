"""Reviewer changes to the lexicon, persisted and audited (GB/T 47483 §9.4.1 b, §9.3.3 b).

The bundled lexicon is a file; reviewers add terms and remove (disable) terms through the API.
The effective lexicon is ``bundled + added − removed``; every change is in the audit log.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from guardrails.audit import AuditLog, Clock, utc_now
from guardrails.errors import LexiconTermError
from guardrails.lexicon import MAX_TERM_CHARS
from guardrails.models import LexiconTerm, Principal
from guardrails.tables import LexiconTermRow


class LexiconStore:
    """Reads and writes ``guardrails_lexicon_terms``."""

    def __init__(
        self, session_factory: sessionmaker[Session], audit: AuditLog, clock: Clock = utc_now
    ) -> None:
        self._sessions = session_factory
        self._audit = audit
        self._clock = clock

    def effective(self, bundled: list[LexiconTerm]) -> list[LexiconTerm]:
        """``bundled`` minus removed terms plus added ones."""
        with self._sessions() as session:
            rows = session.scalars(select(LexiconTermRow)).all()
        removed = {(r.term, r.category) for r in rows if not r.active}
        added = [
            LexiconTerm(term=r.term, category=r.category, source="reviewer")
            for r in rows
            if r.active
        ]
        kept = [t for t in bundled if (t.term, t.category) not in removed]
        known = {(t.term, t.category) for t in kept}
        return kept + [t for t in added if (t.term, t.category) not in known]

    def set_active(self, term: LexiconTerm, active: bool, actor: Principal) -> None:
        """Add (``active``) or remove a term, audited in the same transaction.

        Raises:
            LexiconTermError: The term is empty or too long.
        """
        if not term.term.strip() or len(term.term) > MAX_TERM_CHARS:
            raise LexiconTermError()
        with self._sessions.begin() as session:
            row = session.scalar(
                select(LexiconTermRow).where(
                    LexiconTermRow.term == term.term, LexiconTermRow.category == term.category
                )
            )
            if row is None:
                row = LexiconTermRow(term=term.term, category=term.category)
                session.add(row)
            row.active, row.changed_by, row.changed_at = active, actor.name, self._clock()
            action = "lexicon.add" if active else "lexicon.remove"
            self._audit.add(session, actor, action, f"term:{term.category}", term.term)
