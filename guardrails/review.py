"""The review queue: flagged turns for human review (GB/T 47483 §9.4.1 b).

Items are stored redacted only (the queue redacts again before writing, whatever the caller
passed). Reviewers claim an item, then approve, reject or correct it, or overturn a refusal. A
correction or an overturn is a *proposal* (:mod:`guardrails.proposals`): it goes live only when
a second reviewer approves it (four-eyes); a live correction is the answer for that matter and
aspect (:meth:`ReviewQueue.approved_correction`), used by later turns. Every decision is written
to the audit log in the same transaction.

Concurrency: a claim or a decision is a compare-and-set ``UPDATE … WHERE status is open to this
reviewer``. When two reviewers act on the same item at once (on PostgreSQL or SQLite), exactly one
update matches; the other gets :class:`~guardrails.errors.ReviewStateError` (HTTP 409) and its
transaction writes nothing — no status change, no correction, no audit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from guardrails.audit import AuditLog, Clock, utc_now
from guardrails.errors import ReviewItemNotFoundError, ReviewStateError
from guardrails.models import Principal, ProposalKind, ReviewItem, ReviewPage, ReviewStatus, Source
from guardrails.proposals import ProposalBoard
from guardrails.queries import compare_and_set, counted_page
from guardrails.reasons import ReasonCode
from guardrails.tables import ReviewItemRow

Redactor = Callable[[str], str]
_OPEN = (ReviewStatus.PENDING.value, ReviewStatus.CLAIMED.value)
_TAKEN = "该条目已被其他审核员领取或处理，请刷新列表后重试"
_NOT_A_REFUSAL = "只有拒答条目（review.refusal）可以推翻"


def _public(row: ReviewItemRow) -> ReviewItem:
    return ReviewItem(
        id=row.id, status=ReviewStatus(row.status), reason_codes=list(row.reason_codes),
        question=row.question, answer=row.answer,
        sources=[Source.model_validate(s) for s in row.sources], kiosk_id=row.kiosk_id,
        matter_code=row.matter_code, aspect=row.aspect, claimed_by=row.claimed_by,
        decided_by=row.decided_by, correction=row.correction, created_at=row.created_at,
        updated_at=row.updated_at,
    )  # fmt: skip


class ReviewQueue:
    """Flagged turns, reviewer decisions and approved corrections.

    Usage example::

        queue = ReviewQueue(sessions, redact=guard.pii.redact, audit=AuditLog(sessions))
        item = queue.add(question="[姓名]想办居住证", answer="…", reason_codes=["flag"])
        queue.claim(item.id, alice)
        proposed = queue.correct(item.id, alice, "正确的回答…", matter_code="M1", aspect="fee")
        queue.proposals.approve(proposed.proposal_id, bob)    # four-eyes: not alice
        queue.approved_correction("M1", "fee")   # "正确的回答…"

    Args:
        session_factory: Sessions on the app's database.
        redact: Applied to every text before it is stored.
        audit: Where decisions are recorded.
        policy_version: Stamped on each item.
        clock: Time source (UTC).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        redact: Redactor,
        audit: AuditLog,
        policy_version: str = "",
        clock: Clock = utc_now,
    ) -> None:
        self._sessions = session_factory
        self._redact = redact
        self._audit = audit
        self._policy_version = policy_version
        self._clock = clock
        self.proposals = ProposalBoard(session_factory, redact, audit, clock)
        """Corrections and overturns awaiting or past their second reviewer."""

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after the live corrections changed (other workers reload)."""
        self.proposals.subscribe(listener)

    def load_corrections(self) -> int:
        """Read live corrections into memory (at warm-up); returns how many."""
        return self.proposals.load()

    def approved_correction(self, matter_code: str, aspect: str) -> str | None:
        """The live (four-eyes approved) answer for a matter's aspect, if any (in memory)."""
        return self.proposals.live_correction(matter_code, aspect)

    def add(
        self,
        *,
        question: str,
        answer: str,
        reason_codes: Sequence[str],
        sources: Sequence[Source] = (),
        kiosk_id: str = "",
        matter_code: str | None = None,
        aspect: str | None = None,
    ) -> ReviewItem:
        """Queue a flagged turn (texts redacted again here); returns the stored item."""
        now = self._clock()
        codes = list(dict.fromkeys(reason_codes)) or ["flag"]
        if matter_code is None and sources:
            matter_code = sources[0].matter_code
        row = ReviewItemRow(
            status=ReviewStatus.PENDING.value, reason_codes=codes, primary_reason=codes[0],
            question=self._redact(question), answer=self._redact(answer),
            sources=[s.model_dump() for s in sources], kiosk_id=kiosk_id[:64],
            matter_code=matter_code, aspect=str(aspect) if aspect else None,
            policy_version=self._policy_version, created_at=now, updated_at=now,
        )  # fmt: skip
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return _public(row)

    def get(self, item_id: int) -> ReviewItem:
        """One item.

        Raises:
            ReviewItemNotFoundError: No such id.
        """
        with self._sessions() as session:
            return _public(self._row(session, item_id))

    def list(
        self,
        *,
        status: ReviewStatus | None = None,
        reason_code: str | None = None,
        kiosk_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ReviewPage:
        """Items newest first, filtered; ``count`` is the total matching the filter."""
        query = select(ReviewItemRow)
        if status is not None:
            query = query.where(ReviewItemRow.status == status.value)
        if reason_code:
            query = query.where(ReviewItemRow.primary_reason == reason_code)
        if kiosk_id:
            query = query.where(ReviewItemRow.kiosk_id == kiosk_id)
        with self._sessions() as session:
            rows, count = counted_page(session, query, ReviewItemRow.id.desc(), limit, offset)
            return ReviewPage(data=[_public(r) for r in rows], count=count)

    def counts(self) -> dict[str, int]:
        """Number of items per primary reason code (all statuses)."""
        query = select(ReviewItemRow.primary_reason, func.count()).group_by(
            ReviewItemRow.primary_reason
        )
        with self._sessions() as session:
            return {reason: int(n) for reason, n in session.execute(query).all()}

    def claim(self, item_id: int, reviewer: Principal) -> ReviewItem:
        """Take a pending item (or re-claim one's own).

        Raises:
            ReviewItemNotFoundError: No such id.
            ReviewStateError: Decided already, or claimed by someone else.
        """
        with self._sessions.begin() as session:
            row = self._row(session, item_id)
            self._require_open(row, reviewer)
            now = self._clock()
            self._transition(
                session, row, reviewer,
                status=ReviewStatus.CLAIMED.value, claimed_by=reviewer.name, updated_at=now,
            )  # fmt: skip
            self._audit.add(session, reviewer, "review.claim", f"review:{item_id}")
            return _public(row)

    def approve(self, item_id: int, reviewer: Principal) -> ReviewItem:
        """Approve the answer as it stands."""
        return self._decide(item_id, reviewer, ReviewStatus.APPROVED)

    def reject(self, item_id: int, reviewer: Principal, note: str = "") -> ReviewItem:
        """Reject the answer (it should not have been given); ``note`` is redacted."""
        return self._decide(item_id, reviewer, ReviewStatus.REJECTED, note=note)

    def correct(
        self,
        item_id: int,
        reviewer: Principal,
        text: str,
        *,
        matter_code: str | None = None,
        aspect: str | None = None,
    ) -> ReviewItem:
        """Propose a corrected answer for the matter and aspect (status ``proposed``).

        It goes live only when another reviewer approves the proposal
        (:meth:`ProposalBoard.approve`); the returned item carries its ``proposal_id``.

        Raises:
            ReviewStateError: Also when neither the item nor the call names a matter and aspect.
        """
        return self._decide(
            item_id, reviewer, ReviewStatus.PROPOSED, correction=text,
            matter_code=matter_code, aspect=aspect,
        )  # fmt: skip

    def overturn(
        self, item_id: int, reviewer: Principal, *, allow_term: str | None = None, note: str = ""
    ) -> ReviewItem:
        """Propose that a refusal was wrong (status ``proposed``; four-eyes like a correction).

        Once approved, ``allow_term`` (if any) joins the lexicon's allow-list and the redacted
        question becomes a training example labelled ``benign``.

        Raises:
            ReviewStateError: The item is no ``review.refusal``, or not open to ``reviewer``.
        """
        return self._decide(
            item_id, reviewer, ReviewStatus.PROPOSED, note=note, overturn=True,
            allow_term=allow_term,
        )  # fmt: skip

    def _decide(
        self,
        item_id: int,
        reviewer: Principal,
        status: ReviewStatus,
        *,
        note: str = "",
        correction: str | None = None,
        matter_code: str | None = None,
        aspect: str | None = None,
        overturn: bool = False,
        allow_term: str | None = None,
    ) -> ReviewItem:
        return self._decide_in_transaction(
            item_id, reviewer, status, self._clock(), note=note, correction=correction,
            matter_code=matter_code, aspect=aspect, overturn=overturn, allow_term=allow_term,
        )  # fmt: skip

    def _decide_in_transaction(
        self,
        item_id: int,
        reviewer: Principal,
        status: ReviewStatus,
        now: datetime,
        *,
        note: str,
        correction: str | None,
        matter_code: str | None,
        aspect: str | None,
        overturn: bool = False,
        allow_term: str | None = None,
    ) -> ReviewItem:
        with self._sessions.begin() as session:
            row = self._row(session, item_id)
            self._require_open(row, reviewer)
            if overturn and ReasonCode.REVIEW_REFUSAL.value not in row.reason_codes:
                raise ReviewStateError(_NOT_A_REFUSAL)
            values: dict[str, object] = {
                "status": status.value, "decided_by": reviewer.name, "updated_at": now,
                "claimed_by": row.claimed_by or reviewer.name,
            }  # fmt: skip
            detail = f"status={status.value}"
            if note:
                detail += f" note={self._redact(note)[:200]}"
            if correction is not None:
                code = matter_code or row.matter_code
                part = str(aspect) if aspect else row.aspect
                if not code or not part:
                    raise ReviewStateError("更正须指定事项编码和问题类别（aspect）")
                values.update(correction=self._redact(correction), matter_code=code, aspect=part)
                detail += f" matter={code} aspect={part}"
            self._transition(session, row, reviewer, **values)
            proposal_id: int | None = None
            if correction is not None or overturn:
                kind = ProposalKind.CORRECTION if correction is not None else ProposalKind.OVERTURN
                proposal = self.proposals.propose(
                    session, row, reviewer, kind, text=row.correction or "",
                    allow_term=allow_term, note=note,
                )  # fmt: skip
                proposal_id = proposal.id
                detail += f" proposal={proposal.id} kind={kind.value}"
            action = "review.overturn" if overturn else f"review.{status.value}"
            self._audit.add(session, reviewer, action, f"review:{item_id}", detail)
            return _public(row).model_copy(update={"proposal_id": proposal_id})

    @staticmethod
    def _row(session: Session, item_id: int) -> ReviewItemRow:
        row = session.get(ReviewItemRow, item_id)
        if row is None:
            raise ReviewItemNotFoundError()
        return row

    @staticmethod
    def _transition(
        session: Session, row: ReviewItemRow, reviewer: Principal, **values: object
    ) -> None:
        """Set ``values`` on the item only if it is still open to ``reviewer`` (compare-and-set).

        Raises:
            ReviewStateError: Another reviewer claimed or decided the item since it was read.
        """
        open_to_reviewer: ColumnElement[bool] = or_(
            ReviewItemRow.status == ReviewStatus.PENDING.value,
            and_(
                ReviewItemRow.status == ReviewStatus.CLAIMED.value,
                ReviewItemRow.claimed_by == reviewer.name,
            ),
        )
        compare_and_set(
            session, row, (ReviewItemRow.id == row.id, open_to_reviewer), values,
            ReviewStateError(_TAKEN),
        )  # fmt: skip

    @staticmethod
    def _require_open(row: ReviewItemRow, reviewer: Principal) -> None:
        if row.status not in _OPEN:
            raise ReviewStateError()
        if row.status == ReviewStatus.CLAIMED.value and row.claimed_by != reviewer.name:
            raise ReviewStateError("该条目已被其他审核员领取")
