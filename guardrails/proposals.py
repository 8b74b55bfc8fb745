"""Four-eyes proposals: corrections and overturned refusals (GB/T 47483 §9.4.1 b; issue 9).

One reviewer proposes (:meth:`guardrails.review.ReviewQueue.correct` or ``overturn``); the
proposal goes live only when a *different* reviewer approves it. A live correction is the
answer later turns give for its matter and aspect; corrections of one matter and aspect are
numbered (``version`` 1, 2, …), the newest live one wins and the older becomes ``superseded``.
A live proposal can be withdrawn. When the corrected matter gets a new published version, the
correction stops being used (``stale``) and goes back to the review queue as
``review.stale_correction``. An approved overturn adds its allow-list term (the lexicon's
``allow`` category) and the redacted question to the training examples the classifiers read.

Every step is a compare-and-set on the proposal's status and is audited in the same
transaction; a lost race is :class:`~guardrails.errors.ProposalStateError` (HTTP 409).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from guardrails.audit import AuditLog, Clock, utc_now
from guardrails.errors import ProposalNotFoundError, ProposalStateError, SameReviewerError
from guardrails.models import (
    Principal,
    Proposal,
    ProposalKind,
    ProposalPage,
    ProposalStatus,
    ReviewStatus,
    Role,
    TrainingExample,
)
from guardrails.queries import compare_and_set, counted_page
from guardrails.reasons import ReasonCode
from guardrails.tables import CorrectionRow, ProposalRow, ReviewItemRow, TrainingExampleRow

Redactor = Callable[[str], str]
MatterVersion = Callable[[str], "int | None"]
AllowHook = Callable[[str, Principal, bool], None]
"""Called after an overturn goes live (``True``) or is withdrawn (``False``) with its term."""

_LIVE_MEANWHILE = "同一事项的同一问题刚由其他审核员更正并生效，请刷新后重试"
SYSTEM = Principal(name="system", role=Role.ADMIN)
"""The actor of automatic steps (a correction made stale by a new matter version)."""


def _public(row: ProposalRow) -> Proposal:
    return Proposal(
        id=row.id, kind=ProposalKind(row.kind), status=ProposalStatus(row.status),
        review_item_id=row.review_item_id, matter_code=row.matter_code, aspect=row.aspect,
        version=row.version, text=row.text, allow_term=row.allow_term,
        proposed_by=row.proposed_by, proposed_at=row.proposed_at, decided_by=row.decided_by,
        decided_at=row.decided_at, matter_version=row.matter_version, note=row.note,
    )  # fmt: skip


def _example(row: TrainingExampleRow) -> TrainingExample:
    return TrainingExample(
        id=row.id, text=row.text, label=row.label, refused_as=row.refused_as,
        review_item_id=row.review_item_id, approved_by=row.approved_by, created_at=row.created_at,
    )  # fmt: skip


class ProposalBoard:
    """Proposals, the live corrections they make and the training examples of overturns.

    Usage example::

        board = ProposalBoard(sessions, redact=guard.pii.redact, audit=AuditLog(sessions))
        # alice proposed a correction through the review queue; bob approves it:
        board.approve(proposal_id, bob)        # SameReviewerError if alice tries
        board.live_correction("M1", "materials")   # the corrected text
        board.matters_published({"M1": 3})     # M1 has a new version: back to review

    Args:
        session_factory: Sessions on the app's database.
        redact: Applied to every note before it is stored.
        audit: Where every step is recorded.
        clock: Time source (UTC).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        redact: Redactor,
        audit: AuditLog,
        clock: Clock = utc_now,
    ) -> None:
        self._sessions = session_factory
        self._redact = redact
        self._audit = audit
        self._clock = clock
        self._live: dict[tuple[str, str], str] = {}
        self._versions: dict[str, int] = {}
        self.matter_version: MatterVersion | None = None
        """Looks up a matter's published version (set by the app); None: the last seen."""
        self.allow_hook: AllowHook | None = None
        """Adds or removes an overturn's allow-list term (set by the guard)."""
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after the live corrections changed (other workers reload)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    # -- live corrections ------------------------------------------------------------------
    def load(self) -> int:
        """Read the live corrections into memory (at warm-up); returns how many."""
        with self._sessions() as session:
            rows = session.scalars(select(CorrectionRow)).all()
            self._live = {(r.matter_code, r.aspect): r.text for r in rows}
        return len(self._live)

    def live_correction(self, matter_code: str, aspect: str) -> str | None:
        """The live correction for a matter's aspect (no database round trip)."""
        return self._live.get((matter_code, str(aspect)))

    # -- proposing (inside the review queue's transaction) ---------------------------------
    def propose(
        self,
        session: Session,
        item: ReviewItemRow,
        reviewer: Principal,
        kind: ProposalKind,
        *,
        text: str = "",
        allow_term: str | None = None,
        note: str = "",
    ) -> ProposalRow:
        """Add a proposal for ``item`` in the caller's transaction (texts redacted here)."""
        row = ProposalRow(
            kind=kind.value, status=ProposalStatus.PROPOSED.value, review_item_id=item.id,
            matter_code=item.matter_code, aspect=item.aspect, version=0,
            text=self._redact(text), allow_term=allow_term, proposed_by=reviewer.name,
            proposed_at=self._clock(), note=self._redact(note)[:500],
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row

    # -- deciding --------------------------------------------------------------------------
    def approve(self, proposal_id: int, reviewer: Principal) -> Proposal:
        """Put a proposal live; only a reviewer other than its proposer may (four-eyes).

        Raises:
            ProposalNotFoundError: No such proposal.
            SameReviewerError: ``reviewer`` proposed it.
            ProposalStateError: It is not (or no longer) proposed.
        """
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._second_reviewers(session, proposal_id, reviewer)
            values: dict[str, object] = {"decided_by": reviewer.name, "decided_at": now}
            item = session.get(ReviewItemRow, row.review_item_id)
            if row.kind == ProposalKind.CORRECTION.value:
                values["version"] = self._next_version(session, row)
                values["matter_version"] = self._version_of(row.matter_code)
            self._transition(session, row, ProposalStatus.PROPOSED, ProposalStatus.LIVE, values)
            if row.kind == ProposalKind.CORRECTION.value:
                self._go_live(session, row, reviewer, now)
                item_values: dict[str, object] = {
                    "status": ReviewStatus.CORRECTED.value, "correction": row.text
                }
            else:
                self._add_example(session, item, reviewer, now)
                item_values = {"status": ReviewStatus.OVERTURNED.value}
            if item is not None:
                item_values |= {"decided_by": reviewer.name, "updated_at": now}
                session.execute(
                    update(ReviewItemRow).where(ReviewItemRow.id == item.id).values(**item_values)
                )
            self._audit.add(session, reviewer, "review.approve_proposal", f"proposal:{row.id}",
                            f"kind={row.kind} item={row.review_item_id} version={row.version}")
            result = _public(row)
        if result.kind is ProposalKind.CORRECTION and result.matter_code and result.aspect:
            self._live[(result.matter_code, result.aspect)] = result.text
            self._changed()
        if result.allow_term and self.allow_hook is not None:
            self.allow_hook(result.allow_term, reviewer, True)
        return result

    def reject(self, proposal_id: int, reviewer: Principal, note: str = "") -> Proposal:
        """Turn a proposal down; its review item goes back to the queue (pending).

        Raises:
            ProposalNotFoundError: No such proposal.
            SameReviewerError: ``reviewer`` proposed it (withdraw it instead).
            ProposalStateError: It is not (or no longer) proposed.
        """
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._second_reviewers(session, proposal_id, reviewer)
            self._transition(session, row, ProposalStatus.PROPOSED, ProposalStatus.REJECTED, {
                "decided_by": reviewer.name, "decided_at": now,
                "note": self._redact(note)[:500] or row.note,
            })  # fmt: skip
            self._reopen(session, row.review_item_id, now)
            self._audit.add(session, reviewer, "review.reject_proposal", f"proposal:{row.id}",
                            f"note={self._redact(note)[:200]}" if note else "")
            return _public(row)

    def withdraw(self, proposal_id: int, reviewer: Principal, note: str = "") -> Proposal:
        """Withdraw a proposal (its proposer) or a live one (any reviewer).

        A withdrawn live correction stops being used at once; a withdrawn overturn removes its
        allow-list term and its training example.

        Raises:
            ProposalNotFoundError: No such proposal.
            ProposalStateError: Already rejected, withdrawn, superseded or stale; or someone
                else's proposal that is not live yet (reject it instead).
        """
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._row(session, proposal_id)
            was = ProposalStatus(row.status)
            if was not in (ProposalStatus.PROPOSED, ProposalStatus.LIVE):
                raise ProposalStateError()
            if was is ProposalStatus.PROPOSED and row.proposed_by != reviewer.name:
                raise ProposalStateError("只有提出人可以撤回尚未生效的提议；其他审核员请驳回")
            self._transition(session, row, was, ProposalStatus.WITHDRAWN, {
                "decided_by": reviewer.name, "decided_at": now,
                "note": self._redact(note)[:500] or row.note,
            })  # fmt: skip
            if was is ProposalStatus.LIVE and row.kind == ProposalKind.CORRECTION.value:
                session.execute(delete(CorrectionRow).where(CorrectionRow.proposal_id == row.id))
            if was is ProposalStatus.LIVE and row.kind == ProposalKind.OVERTURN.value:
                session.execute(delete(TrainingExampleRow).where(
                    TrainingExampleRow.review_item_id == row.review_item_id))  # fmt: skip
            self._reopen(session, row.review_item_id, now)
            self._audit.add(session, reviewer, "review.withdraw_proposal", f"proposal:{row.id}",
                            f"was={was.value}")
            result = _public(row)
        if was is ProposalStatus.LIVE and result.kind is ProposalKind.CORRECTION:
            self.load()
            self._changed()
        if was is ProposalStatus.LIVE and result.allow_term and self.allow_hook is not None:
            self.allow_hook(result.allow_term, reviewer, False)
        return result

    # -- matters change --------------------------------------------------------------------
    def matters_published(self, versions: Mapping[str, int]) -> builtins.list[int]:
        """Send live corrections of matters with a newer published version back to review.

        Args:
            versions: Published version per matter code (every published matter).

        Returns:
            Ids of the new ``review.stale_correction`` items.
        """
        self._versions = dict(versions)
        now = self._clock()
        reopened: builtins.list[int] = []
        with self._sessions.begin() as session:
            for correction in session.scalars(select(CorrectionRow)).all():
                current = versions.get(correction.matter_code)
                if current is None:
                    continue
                if correction.matter_version is None:  # approved before any version was seen
                    correction.matter_version = current
                    continue
                if current <= correction.matter_version:
                    continue
                reopened.append(self._make_stale(session, correction, current, now))
        if reopened:
            self.load()
            self._changed()
        return reopened

    def _make_stale(
        self, session: Session, correction: CorrectionRow, current: int, now: datetime
    ) -> int:
        item = session.get(ReviewItemRow, correction.review_item_id)
        if correction.proposal_id is not None:
            session.execute(
                update(ProposalRow).where(ProposalRow.id == correction.proposal_id)
                .values(status=ProposalStatus.STALE.value)
            )  # fmt: skip
        fresh = ReviewItemRow(
            status=ReviewStatus.PENDING.value, reason_codes=[ReasonCode.REVIEW_STALE.value],
            primary_reason=ReasonCode.REVIEW_STALE.value,
            question=item.question if item is not None else "", answer=correction.text,
            sources=item.sources if item is not None else [],
            kiosk_id=item.kiosk_id if item is not None else "",
            matter_code=correction.matter_code, aspect=correction.aspect,
            policy_version=item.policy_version if item is not None else "",
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(fresh)
        session.delete(correction)
        session.flush()
        self._audit.add(session, SYSTEM, "review.stale_correction", f"review:{fresh.id}",
                        f"matter={correction.matter_code} aspect={correction.aspect} "
                        f"version={correction.matter_version}->{current}")  # fmt: skip
        return fresh.id

    # -- reading ---------------------------------------------------------------------------
    def get(self, proposal_id: int) -> Proposal:
        """One proposal.

        Raises:
            ProposalNotFoundError: No such id.
        """
        with self._sessions() as session:
            return _public(self._row(session, proposal_id))

    def list(
        self,
        *,
        status: ProposalStatus | None = None,
        kind: ProposalKind | None = None,
        matter_code: str | None = None,
        review_item_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ProposalPage:
        """Proposals newest first, filtered; ``count`` is the total matching the filter."""
        query = select(ProposalRow)
        if status is not None:
            query = query.where(ProposalRow.status == status.value)
        if kind is not None:
            query = query.where(ProposalRow.kind == kind.value)
        if matter_code:
            query = query.where(ProposalRow.matter_code == matter_code)
        if review_item_id is not None:
            query = query.where(ProposalRow.review_item_id == review_item_id)
        with self._sessions() as session:
            rows, count = counted_page(session, query, ProposalRow.id.desc(), limit, offset)
            return ProposalPage(data=[_public(r) for r in rows], count=count)

    def training_examples(
        self, limit: int = 1000, offset: int = 0
    ) -> builtins.list[TrainingExample]:
        """Overturned refusals (redacted), oldest first: the classifiers' extra training data."""
        with self._sessions() as session:
            rows = session.scalars(
                select(TrainingExampleRow).order_by(TrainingExampleRow.id)
                .limit(limit).offset(offset)
            ).all()  # fmt: skip
            return [_example(r) for r in rows]

    # -- helpers ---------------------------------------------------------------------------
    def _version_of(self, matter_code: str | None) -> int | None:
        if not matter_code:
            return None
        if self.matter_version is not None:
            version = self.matter_version(matter_code)
            if version is not None:
                return version
        return self._versions.get(matter_code)

    @staticmethod
    def _next_version(session: Session, row: ProposalRow) -> int:
        newest = session.scalar(
            select(func.max(ProposalRow.version)).where(
                ProposalRow.kind == ProposalKind.CORRECTION.value,
                ProposalRow.matter_code == row.matter_code, ProposalRow.aspect == row.aspect,
            )
        )  # fmt: skip
        return int(newest or 0) + 1

    def _go_live(
        self, session: Session, row: ProposalRow, reviewer: Principal, now: datetime
    ) -> None:
        session.execute(
            update(ProposalRow).where(
                ProposalRow.kind == ProposalKind.CORRECTION.value,
                ProposalRow.matter_code == row.matter_code, ProposalRow.aspect == row.aspect,
                ProposalRow.status == ProposalStatus.LIVE.value, ProposalRow.id != row.id,
            ).values(status=ProposalStatus.SUPERSEDED.value)
        )  # fmt: skip
        live = session.scalar(
            select(CorrectionRow).where(
                CorrectionRow.matter_code == row.matter_code, CorrectionRow.aspect == row.aspect
            )
        )
        if live is None:
            live = CorrectionRow(matter_code=row.matter_code or "", aspect=row.aspect or "")
        live.text, live.review_item_id, live.proposal_id = row.text, row.review_item_id, row.id
        live.version, live.matter_version = row.version, row.matter_version
        live.approved_by, live.approved_at = reviewer.name, now
        try:
            with session.begin_nested():  # a savepoint: the unique race is caught here
                session.add(live)
        except IntegrityError:
            # Another reviewer put a correction of the same matter and aspect live at the same
            # moment and committed first; raising rolls this whole approval back.
            raise ProposalStateError(_LIVE_MEANWHILE) from None

    @staticmethod
    def _add_example(
        session: Session,
        item: ReviewItemRow | None,
        reviewer: Principal,
        now: datetime,
    ) -> None:
        if item is None:
            return
        refused_as = next(
            (c for c in item.reason_codes if not c.startswith("review.")), item.primary_reason
        )
        session.add(TrainingExampleRow(
            text=item.question, label="benign", refused_as=refused_as, review_item_id=item.id,
            approved_by=reviewer.name, created_at=now,
        ))  # fmt: skip

    @staticmethod
    def _reopen(session: Session, item_id: int, now: datetime) -> None:
        session.execute(
            update(ReviewItemRow).where(ReviewItemRow.id == item_id).values(
                status=ReviewStatus.PENDING.value, claimed_by=None, decided_by=None,
                correction=None, updated_at=now,
            )
        )  # fmt: skip

    @staticmethod
    def _transition(
        session: Session,
        row: ProposalRow,
        expected: ProposalStatus,
        to: ProposalStatus,
        values: Mapping[str, object],
    ) -> None:
        compare_and_set(
            session, row, (ProposalRow.id == row.id, ProposalRow.status == expected.value),
            {"status": to.value, **values}, ProposalStateError(),
        )  # fmt: skip

    @classmethod
    def _second_reviewers(
        cls, session: Session, proposal_id: int, reviewer: Principal
    ) -> ProposalRow:
        """The proposal, if it awaits a decision and ``reviewer`` did not propose it (four-eyes).

        Raises:
            ProposalNotFoundError: No such proposal.
            ProposalStateError: It is not (or no longer) proposed.
            SameReviewerError: ``reviewer`` proposed it.
        """
        row = cls._row(session, proposal_id)
        if row.status != ProposalStatus.PROPOSED.value:
            raise ProposalStateError()
        if row.proposed_by == reviewer.name:
            raise SameReviewerError()
        return row

    @staticmethod
    def _row(session: Session, proposal_id: int) -> ProposalRow:
        row = session.get(ProposalRow, proposal_id)
        if row is None:
            raise ProposalNotFoundError()
        return row
