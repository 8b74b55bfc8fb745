"""Review queue, corrections and audit log on a real, migrated database (GB/T 47483 §9.4.1 b,
§9.3.3 b): SQLite here, PostgreSQL in tests/integration/postgres/test_review_queue_postgres.py.

The ``check_*`` functions are the shared suite; each takes a database URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.database import create_db_engine, make_sessionmaker, migrate
from guardrails.audit import AuditLog, utc_now
from guardrails.errors import ReviewStateError
from guardrails.models import Principal, ReviewItem, ReviewStatus, Role, Source
from guardrails.policy import Guardrails, build_guardrails
from guardrails.review import ReviewQueue
from guardrails.settings import GuardrailSettings
from guardrails.tables import AuditRow, CorrectionRow, ReviewItemRow

pytestmark = pytest.mark.integration

ALICE = Principal(name="alice", role=Role.REVIEWER)
BOB = Principal(name="bob", role=Role.REVIEWER)
SOURCE = Source(matter_code="HJ-0001", matter_name="户口迁入", section="materials")
PERSONAL = ("王小明", "110101199001011237", "13812345678")


@dataclass
class Db:
    """A migrated database with a guard (review queue, audit log) on it."""

    engine: Engine
    sessions: sessionmaker[Session]
    guard: Guardrails

    def queue(
        self,
        *,
        clock: Callable[[], datetime] = utc_now,
        redact: Callable[[str], str] | None = None,
        audit: AuditLog | None = None,
    ) -> ReviewQueue:
        """Another queue on the same database (another worker), with its own seams."""
        return ReviewQueue(
            self.sessions, redact=redact or self.guard.pii.redact, audit=audit or self.guard.audit,
            clock=clock,
        )  # fmt: skip

    def row(self, item_id: int) -> ReviewItemRow:
        with self.sessions() as session:
            row = session.get(ReviewItemRow, item_id)
            assert row is not None
            return row

    def trail(self, item_id: int) -> list[tuple[str, str]]:
        with self.sessions() as session:
            rows = session.scalars(
                select(AuditRow).where(AuditRow.target == f"review:{item_id}").order_by(AuditRow.id)
            )
            return [(r.actor, r.action) for r in rows]

    def corrections(self) -> list[tuple[str, str, str, int]]:
        with self.sessions() as session:
            rows = session.scalars(select(CorrectionRow).order_by(CorrectionRow.id))
            return [(r.matter_code, r.aspect, r.text, r.review_item_id) for r in rows]


def open_db(url: str) -> Db:
    """Migrate ``url`` with Alembic (the production schema) and build a guard on it."""
    engine = create_db_engine(url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    guard = build_guardrails(GuardrailSettings(scope_classifier=False), sessions)
    guard.warm_up()
    return Db(engine, sessions, guard)


def flag(db: Db, question: str = "户口迁入要带什么", kiosk_id: str = "K1") -> ReviewItem:
    return db.guard.review.add(
        question=question, answer="请带户口簿，30个工作日办结", reason_codes=["output.ungrounded"],
        sources=[SOURCE], kiosk_id=kiosk_id, aspect="materials",
    )  # fmt: skip


def check_flag_is_stored_redacted(db: Db) -> None:
    """Only placeholders reach the table, whatever the caller passed (§9.4.1 d)."""
    item = flag(db, f"我叫{PERSONAL[0]}，身份证{PERSONAL[1]}，电话{PERSONAL[2]}")
    with db.engine.connect() as conn:
        raw = conn.execute(
            text("select question, answer from guardrails_review_items where id = :id"),
            {"id": item.id},
        ).one()
    assert not [value for value in PERSONAL if value in f"{raw[0]} {raw[1]}"]
    assert "[身份证号]" in raw[0] and "[电话]" in raw[0]


def check_decisions_are_audited_and_corrections_persist(db: Db) -> None:
    """Claim, correct, approve, reject, filter; the audit says who, when, what (§9.3.3 b)."""
    corrected, approved, rejected = flag(db, kiosk_id="KD1"), flag(db, kiosk_id="KD2"), flag(db)
    db.guard.review.claim(corrected.id, ALICE)
    first = db.guard.review.correct(corrected.id, ALICE, "请带户口簿和准迁证")
    assert (first.status, first.decided_by) == (ReviewStatus.PROPOSED, "alice")
    db.guard.review.approve(approved.id, BOB)
    db.guard.review.claim(rejected.id, BOB)
    done = db.guard.review.reject(rejected.id, BOB, f"别写{PERSONAL[2]}")
    assert done.status is ReviewStatus.REJECTED
    with pytest.raises(ReviewStateError):
        db.guard.review.approve(corrected.id, ALICE)  # decided already

    assert db.trail(corrected.id) == [("alice", "review.claim"), ("alice", "review.proposed")]
    assert db.trail(approved.id) == [("bob", "review.approved")]
    assert db.trail(rejected.id) == [("bob", "review.claim"), ("bob", "review.rejected")]
    entries = db.guard.audit.entries(target=f"review:{rejected.id}")
    assert entries[0].role == "reviewer" and entries[0].at.year >= 2026
    assert PERSONAL[2] not in entries[0].detail  # the note is redacted before it is audited

    page = db.guard.review.list(status=ReviewStatus.APPROVED, kiosk_id="KD2")
    assert [i.id for i in page.data] == [approved.id] and page.count == 1

    # four-eyes: a correction is live once another reviewer approved it; the newest live
    # correction for a matter and aspect wins; a fresh worker reads it from the table
    assert first.proposal_id is not None and db.corrections() == []
    db.guard.review.proposals.approve(first.proposal_id, BOB)
    second = flag(db)
    proposed = db.guard.review.correct(second.id, BOB, "请带户口簿、准迁证和照片")
    assert proposed.proposal_id is not None
    live = db.guard.review.proposals.approve(proposed.proposal_id, ALICE)
    assert live.version == 2
    assert db.corrections() == [("HJ-0001", "materials", "请带户口簿、准迁证和照片", second.id)]
    other_worker = db.queue()
    assert other_worker.approved_correction("HJ-0001", "materials") is None
    assert other_worker.load_corrections() == 1
    assert other_worker.approved_correction("HJ-0001", "materials") == "请带户口簿、准迁证和照片"


def check_failed_decision_writes_nothing(db: Db) -> None:
    """A decision that fails — refused by the rules or by the database mid-write — leaves the
    item as it was: no status change, no correction row, no audit entry, no cached answer."""
    item = db.guard.review.add(question="问题", answer="回答", reason_codes=["pii"], kiosk_id="KF")
    db.guard.review.claim(item.id, ALICE)
    before = db.corrections()

    with pytest.raises(ReviewStateError):  # no matter or aspect to attach the correction to
        db.guard.review.correct(item.id, ALICE, "更正")

    def broken_clock() -> datetime:
        return None  # type: ignore[return-value]  # the audit row's NOT NULL time is refused

    failing = db.queue(audit=AuditLog(db.sessions, clock=broken_clock))
    with pytest.raises(IntegrityError):  # after the item's UPDATE and the correction's INSERT
        failing.correct(item.id, ALICE, "更正后的回答", matter_code="MX-1", aspect="fee")
    with pytest.raises(IntegrityError):
        failing.reject(item.id, ALICE)

    row = db.row(item.id)
    assert (row.status, row.claimed_by, row.decided_by) == ("claimed", "alice", None)
    assert (row.correction, row.matter_code, row.aspect) == (None, None, None)
    assert db.corrections() == before
    assert db.trail(item.id) == [("alice", "review.claim")]
    assert failing.approved_correction("MX-1", "fee") is None
    # and the item is still decidable afterwards
    assert db.guard.review.approve(item.id, ALICE).status is ReviewStatus.APPROVED


def _race(calls: list[Callable[[], ReviewItem]]) -> tuple[list[ReviewItem], list[Exception]]:
    """Run ``calls`` in parallel threads; returns the results and the errors."""
    results: list[ReviewItem] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def run(call: Callable[[], ReviewItem]) -> None:
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def check_concurrent_claims_have_one_winner(db: Db, rounds: int = 5) -> None:
    """Two reviewers claim the same item at once: one wins, the other gets a 409-style error."""
    for _ in range(rounds):
        _claim_race(db, flag(db, kiosk_id="KC"))


def _claim_race(db: Db, item: ReviewItem) -> None:
    """The queue's clock is a barrier, so both reviewers have read the item as pending before
    either writes: the interleaving that loses an update without compare-and-set."""
    barrier = threading.Barrier(2, timeout=20)

    def meet() -> datetime:
        barrier.wait()
        return utc_now()

    racing = db.queue(clock=meet)
    results, errors = _race(
        [lambda: racing.claim(item.id, ALICE), lambda: racing.claim(item.id, BOB)]
    )
    assert len(results) == 1 and len(errors) == 1, errors
    error = errors[0]
    assert isinstance(error, ReviewStateError)
    assert (error.status, error.code) == (409, "guardrails.review_invalid_state")
    assert "其他审核员" in error.message_zh
    winner = results[0].claimed_by
    assert db.row(item.id).claimed_by == winner
    assert db.trail(item.id) == [(winner, "review.claim")]


def check_concurrent_decisions_have_one_winner(db: Db) -> None:
    """Two reviewers decide the same pending item at once: exactly one decision is stored."""
    item = flag(db, kiosk_id="KX")
    barrier = threading.Barrier(2, timeout=20)

    def redact_after_both_read(value: str) -> str:
        barrier.wait()  # both reviewers are past the status check here
        return db.guard.pii.redact(value)

    racing = db.queue(redact=redact_after_both_read)
    results, errors = _race(
        [lambda: racing.reject(item.id, ALICE, "不准确"), lambda: racing.reject(item.id, BOB, "错")]
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], ReviewStateError)
    decider = results[0].decided_by
    row = db.row(item.id)
    assert (row.status, row.decided_by) == ("rejected", decider)
    assert db.trail(item.id) == [(decider, "review.rejected")]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Db:
    return open_db(f"sqlite:///{tmp_path}/review.db")


def test_flag_is_stored_redacted_sqlite(sqlite_db: Db) -> None:
    check_flag_is_stored_redacted(sqlite_db)


def test_decisions_audited_corrections_persist_sqlite(sqlite_db: Db) -> None:
    check_decisions_are_audited_and_corrections_persist(sqlite_db)


def test_failed_decision_writes_nothing_sqlite(sqlite_db: Db) -> None:
    check_failed_decision_writes_nothing(sqlite_db)


def test_concurrent_claims_one_winner_sqlite(sqlite_db: Db) -> None:
    check_concurrent_claims_have_one_winner(sqlite_db)


def test_concurrent_decisions_one_winner_sqlite(sqlite_db: Db) -> None:
    check_concurrent_decisions_have_one_winner(sqlite_db)
