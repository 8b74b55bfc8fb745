"""Usage statistics on a real database: atomic hourly upserts, the §10.1 queries, retention.

The same checks run on SQLite here and on PostgreSQL in ``postgres/test_stats_postgres.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.database import create_db_engine, make_sessionmaker, migrate
from assistant.stats.answer_ids import AnswerIds, InvalidAnswerIdError, shared_key
from assistant.stats.queries import Granularity, Period, StatsReader
from assistant.stats.recorder import StatsRecorder, UsageEvent, UsageEventKind
from assistant.stats.tables import HourlyCountRow

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 20)


def local_hour(h: int, day: date = DAY) -> datetime:
    """``h`` o'clock of ``day`` in Shanghai, as UTC."""
    return datetime(day.year, day.month, day.day, h, 15, tzinfo=SHANGHAI).astimezone(UTC)


def seed_day(recorder: StatsRecorder) -> None:
    """A small day of traffic: a morning peak at 10:00, two kiosks, refusals and feedback."""
    events: list[UsageEvent] = []

    def add(n: int, kind: UsageEventKind, hour: int, **fields: str) -> None:
        events.extend(UsageEvent(hour=local_hour(hour), kind=kind, **fields) for _ in range(n))

    add(6, UsageEventKind.ANSWER, 10, kiosk_id="K1", matter_code="HJ-0004", channel="voice")
    add(3, UsageEventKind.ANSWER, 10, kiosk_id="K2", matter_code="HJ-0004", channel="keyboard")
    add(2, UsageEventKind.ANSWER, 15, kiosk_id="K2", matter_code="SB-0001", channel="keyboard")
    add(1, UsageEventKind.ANSWER, 0, kiosk_id="K1", matter_code="SB-0001", channel="keyboard")
    add(2, UsageEventKind.REFUSAL, 15, kiosk_id="K1", reason="safety.political", channel="voice")
    add(1, UsageEventKind.ABSTAIN, 9, kiosk_id="K1", reason="not_found", channel="keyboard")
    add(
        1,
        UsageEventKind.FLAGGED,
        10,
        kiosk_id="K1",
        matter_code="HJ-0004",
        reason="output.ungrounded",
        channel="voice",
    )
    add(4, UsageEventKind.HELPFUL, 10, kiosk_id="K1", matter_code="HJ-0004", channel="voice")
    add(1, UsageEventKind.NOT_HELPFUL, 15, kiosk_id="K2", matter_code="SB-0001", channel="keyboard")
    assert recorder.record(events)


def check_statistics(sessions: sessionmaker[Session]) -> None:
    """Every §10.1 figure of the seeded day, exactly."""
    recorder = StatsRecorder(sessions)
    seed_day(recorder)
    reader = StatsReader(sessions, SHANGHAI)
    period = Period(DAY, DAY)

    summary = reader.summary(period)
    assert (summary.questions, summary.answered, summary.refused, summary.abstained) == (
        15,
        12,
        2,
        1,
    )
    assert (summary.voice, summary.keyboard) == (8, 7)
    assert (summary.flagged, summary.helpful, summary.not_helpful) == (1, 4, 1)
    assert summary.refusal_rate == round(2 / 15, 4)

    heat = reader.matter_heat(period, names={"HJ-0004": "居民身份证补领"})
    assert [(h.rank, h.matter_code, h.visits) for h in heat] == [
        (1, "HJ-0004", 9),
        (2, "SB-0001", 3),
    ]
    assert heat[0].matter_name == "居民身份证补领"
    assert heat[0].share == 0.75 and heat[0].helpful == 4
    assert heat[1].not_helpful == 1

    kiosks = reader.kiosk_heat(period)
    assert [(k.kiosk_id, k.questions, k.answered) for k in kiosks] == [("K1", 10, 7), ("K2", 5, 5)]

    curve = reader.hourly_curve(period)
    assert len(curve) == 24
    assert curve[10].questions == 9 and curve[15].questions == 4 and curve[0].questions == 1
    assert curve[9].questions == 1 and sum(b.questions for b in curve) == 15

    days = reader.usage(Period(DAY - timedelta(days=1), DAY), Granularity.DAY)
    assert [(b.label, b.questions) for b in days] == [("2026-11-19", 0), ("2026-11-20", 15)]
    assert [(b.label, b.questions) for b in reader.usage(period, Granularity.MONTH)] == [
        ("2026-11", 15)
    ]
    assert reader.usage(period, Granularity.YEAR)[0].questions == 15

    reasons = {(r.event, r.reason): r.count for r in reader.reasons(period)}
    assert reasons == {
        ("refusal", "safety.political"): 2,
        ("abstain", "not_found"): 1,
        ("flagged", "output.ungrounded"): 1,
    }
    # the day before and after are empty (local-day bounds, not UTC)
    assert reader.summary(Period(DAY + timedelta(days=1), DAY + timedelta(days=1))).questions == 0


def check_concurrent_upserts(sessions: sessionmaker[Session]) -> None:
    """Many writers on one key: the count is exact, one row (atomic upsert)."""
    recorder = StatsRecorder(sessions)
    event = UsageEvent(
        hour=local_hour(11),
        kind=UsageEventKind.ANSWER,
        kiosk_id="K9",
        matter_code="HJ-0001",
        channel="keyboard",
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: recorder.record([event, event]), range(40)))
    assert all(results)
    with sessions() as session:
        rows = session.scalars(select(HourlyCountRow).where(HourlyCountRow.kiosk_id == "K9")).all()
    assert len(rows) == 1 and rows[0].count == 80


def check_buffered_flushes_of_many_keys(sessions: sessionmaker[Session]) -> None:
    """Two workers buffer the same 240 keys and flush at once: one row per key, counts exact.

    A flush writes all its keys in one statement (rows sorted by key, so concurrent flushes
    lock shared rows in the same order).
    """
    workers = [StatsRecorder(sessions, flush_interval_s=3600) for _ in range(2)]
    events = [
        UsageEvent(hour=local_hour(14), kind=kind, kiosk_id=f"B{k:03d}", matter_code="HJ-0004",
                   channel="keyboard")
        for k in range(120) for kind in (UsageEventKind.ANSWER, UsageEventKind.FLAGGED)
    ]  # fmt: skip
    for number, recorder in enumerate(workers):
        recorder.buffer(events)
        recorder.buffer(events[number::2])  # the workers' counts differ per key
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert all(pool.map(lambda r: r.flush(), workers))
    with sessions() as session:
        rows = session.scalars(
            select(HourlyCountRow).where(HourlyCountRow.kiosk_id.like("B%"))
        ).all()
    assert len(rows) == len(events)
    assert sum(row.count for row in rows) == 2 * len(events) + len(events)
    assert all(row.count == 3 for row in rows)
    assert [w.recorded for w in workers] == [len(events) + len(events) // 2] * 2


def check_retention(sessions: sessionmaker[Session]) -> None:
    """Hours older than the retention are pruned; newer ones stay."""
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    recorder = StatsRecorder(sessions, clock=lambda: now)
    old = UsageEvent(hour=now - timedelta(days=40), kind=UsageEventKind.ANSWER, kiosk_id="OLD")
    new = UsageEvent(hour=now - timedelta(days=2), kind=UsageEventKind.ANSWER, kiosk_id="NEW")
    recorder.record([old, new])
    assert recorder.prune(30) == 1
    with sessions() as session:
        kiosks = set(session.scalars(select(HourlyCountRow.kiosk_id)))
    assert "NEW" in kiosks and "OLD" not in kiosks


def check_answer_ids(sessions: sessionmaker[Session]) -> None:
    """Two workers share the key through the database; forged or stale ids are refused."""
    first, second = AnswerIds(shared_key(sessions)), AnswerIds(shared_key(sessions))
    hour = datetime(2026, 11, 27, 9, tzinfo=UTC)
    answer_id = first.issue(hour=hour, kiosk_id="K1", matter_code="HJ-0004", channel="voice")
    claims = second.verify(answer_id, now=hour + timedelta(minutes=5))
    assert (claims.kiosk_id, claims.matter_code, claims.channel) == ("K1", "HJ-0004", "voice")
    payload, _, mac = answer_id.partition(".")
    forged = first.issue(hour=hour, kiosk_id="K1", matter_code="XX-9999", channel="voice")
    with pytest.raises(InvalidAnswerIdError):
        second.verify(forged.partition(".")[0] + "." + mac, now=hour)
    with pytest.raises(InvalidAnswerIdError):
        second.verify(answer_id, now=hour + timedelta(days=3))
    with pytest.raises(InvalidAnswerIdError):
        second.verify("not-an-id", now=hour)


@pytest.fixture
def sqlite_sessions(tmp_path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite file."""
    engine = create_db_engine(f"sqlite:///{tmp_path}/stats.db")
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_statistics_of_a_seeded_day(sqlite_sessions: sessionmaker[Session]) -> None:
    check_statistics(sqlite_sessions)


def test_concurrent_upserts_count_exactly(sqlite_sessions: sessionmaker[Session]) -> None:
    check_concurrent_upserts(sqlite_sessions)


def test_retention_prunes_old_hours(sqlite_sessions: sessionmaker[Session]) -> None:
    check_retention(sqlite_sessions)


def test_answer_ids_shared_and_unforgeable(sqlite_sessions: sessionmaker[Session]) -> None:
    check_answer_ids(sqlite_sessions)


def test_a_failed_write_is_swallowed_and_counted(tmp_path) -> None:
    """Without the table the recorder reports failure instead of raising."""
    engine = create_db_engine(f"sqlite:///{tmp_path}/empty.db")
    recorder = StatsRecorder(make_sessionmaker(engine))
    event = UsageEvent(hour=local_hour(8), kind=UsageEventKind.ANSWER)
    assert recorder.record([event]) is False
    assert recorder.failures == 1
    engine.dispose()


def test_buffered_counts_are_written_together_and_exactly(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    """With a flush interval the turns' counts wait in memory, then land summed, none lost."""
    recorder = StatsRecorder(sqlite_sessions, flush_interval_s=3600)
    reader = StatsReader(sqlite_sessions, SHANGHAI)
    event = UsageEvent(hour=local_hour(9), kind=UsageEventKind.ANSWER, matter_code="HJ-0004")
    recorder.flush()  # the interval starts now
    for _ in range(25):
        assert recorder.record([event])
    assert reader.summary(Period(DAY, DAY)).questions == 0  # not yet written
    assert recorder.flush()
    assert reader.summary(Period(DAY, DAY)).questions == 25
    assert recorder.flush()  # nothing pending: nothing written twice
    assert reader.summary(Period(DAY, DAY)).questions == 25


def test_a_failed_buffered_write_keeps_its_counts(tmp_path) -> None:
    """A flush the database refuses keeps the counts for the next attempt."""
    engine = create_db_engine(f"sqlite:///{tmp_path}/late.db")
    sessions = make_sessionmaker(engine)
    recorder = StatsRecorder(sessions, flush_interval_s=3600)
    recorder.flush()
    event = UsageEvent(hour=local_hour(8), kind=UsageEventKind.ANSWER)
    recorder.record([event, event])
    assert recorder.flush() is False  # no table yet
    migrate(engine)
    assert recorder.flush() is True
    assert StatsReader(sessions, SHANGHAI).summary(Period(DAY, DAY)).questions == 2
    engine.dispose()


def test_buffered_flushes_of_many_keys_count_exactly(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    check_buffered_flushes_of_many_keys(sqlite_sessions)


def test_buffer_never_writes_and_is_bounded(
    sqlite_sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``buffer`` only counts in memory; past the key bound new keys are dropped and counted."""
    monkeypatch.setattr("assistant.stats.recorder.MAX_PENDING_KEYS", 3)
    recorder = StatsRecorder(sqlite_sessions, flush_interval_s=0.0)  # record() would write now
    reader = StatsReader(sqlite_sessions, SHANGHAI)
    events = [UsageEvent(hour=local_hour(9), kind=UsageEventKind.ANSWER, kiosk_id=f"K{i}")
              for i in range(5)]
    recorder.buffer(events)
    recorder.buffer(events[:1])  # a key already pending is still counted
    assert reader.summary(Period(DAY, DAY)).questions == 0  # nothing written
    assert recorder.failures == 2
    assert recorder.flush()
    assert reader.summary(Period(DAY, DAY)).questions == 4
    disabled = StatsRecorder(sqlite_sessions, enabled=False)
    disabled.buffer(events)
    assert disabled.flush() and disabled.recorded == 0
