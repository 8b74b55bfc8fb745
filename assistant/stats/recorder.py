"""Recording usage: hourly counters upserted atomically, never at the citizen's expense.

Usage example::

    recorder = StatsRecorder(sessions)
    recorder.record(events_of(result, kiosk_id="K1", channel=InputChannel.KEYBOARD))

Each event adds 1 to the row keyed by (hour, kiosk, matter code, event, reason, channel) with
``INSERT … ON CONFLICT DO UPDATE SET count = count + n`` (SQLite ≥ 3.24 and PostgreSQL), so
any number of workers count correctly without locks. A failed write is logged without any
text and counted in :attr:`StatsRecorder.failures`; it never reaches the caller
(GB/T 47483 §10.1 statistics must not cost the citizen the answer).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from assistant.models import TurnResult
from assistant.stats.tables import HourlyCountRow
from guardrails.models import Decision

logger = logging.getLogger(__name__)

MAX_PENDING_KEYS = 10_000
"""Distinct counter keys held in memory while the database refuses writes."""

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UsageEventKind(StrEnum):
    """What one counted event is."""

    ANSWER = "answer"
    """A matter was answered (the visit that service heat counts)."""
    REFUSAL = "refusal"
    """The input guard refused the question (reason: ``safety.*``, ``scope.*``, …)."""
    ABSTAIN = "abstain"
    """No matter found (reason ``not_found``): the assistant said so and gave the hotline."""
    CLARIFY = "clarify"
    """Several close matters: the citizen was asked to choose."""
    SYSTEM = "system"
    """Help or small talk (reason ``help`` / ``chitchat``)."""
    FLAGGED = "flagged"
    """An answer sent to human review (counted in addition to its turn; reason = rail)."""
    HELPFUL = "helpful"
    """The citizen tapped "有帮助"."""
    NOT_HELPFUL = "not_helpful"
    """The citizen tapped "没帮助"."""


QUESTION_EVENTS = frozenset(
    {
        UsageEventKind.ANSWER,
        UsageEventKind.REFUSAL,
        UsageEventKind.ABSTAIN,
        UsageEventKind.CLARIFY,
        UsageEventKind.SYSTEM,
    }
)
"""One of these per citizen turn: their sum is the number of questions."""


class InputChannel(StrEnum):
    """How the citizen asked."""

    KEYBOARD = "keyboard"
    VOICE = "voice"


@dataclass(frozen=True)
class UsageEvent:
    """One counted event; every field is a code, never citizen text."""

    hour: datetime
    kind: UsageEventKind
    kiosk_id: str = ""
    matter_code: str = ""
    reason: str = ""
    channel: str = ""


def hour_of(at: datetime) -> datetime:
    """``at`` truncated to the hour, in UTC (naive times are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def answered_matter(result: TurnResult) -> str:
    """The matter code a turn answered about ("" when none)."""
    if result.sources:
        return result.sources[0].matter_code
    return ""


def events_of(
    result: TurnResult,
    *,
    kiosk_id: str | None,
    channel: InputChannel,
    at: datetime | None = None,
) -> list[UsageEvent]:
    """The counted events of one turn: its outcome, plus one per flagging rail.

    Args:
        result: the turn's result (only codes are read from it).
        kiosk_id: the terminal, if known.
        channel: keyboard or voice.
        at: when; now by default.
    """
    hour = hour_of(at or utc_now())
    kiosk = kiosk_id or ""
    matter = answered_matter(result)
    reason = result.reason_code or ""
    if result.refused:
        kind = UsageEventKind.REFUSAL
    elif reason == "not_found":
        kind = UsageEventKind.ABSTAIN
    elif reason == "clarify":
        kind = UsageEventKind.CLARIFY
    elif matter:
        kind, reason = UsageEventKind.ANSWER, ""
    else:
        kind, reason = UsageEventKind.SYSTEM, reason or result.intent.value
    events = [
        UsageEvent(
            hour=hour, kind=kind, kiosk_id=kiosk, matter_code=matter, reason=reason[:64],
            channel=channel.value,
        )
    ]
    flags = {
        v.reason_code or v.rail
        for v in result.verdicts
        if v.decision is Decision.FLAG
    }
    events.extend(
        UsageEvent(
            hour=hour, kind=UsageEventKind.FLAGGED, kiosk_id=kiosk, matter_code=matter,
            reason=flag[:64], channel=channel.value,
        )
        for flag in sorted(flags)
    )
    return events


class StatsRecorder:
    """Adds events to the hourly counters; see the module docstring.

    With ``flush_interval_s`` > 0 the counts of many turns are summed in memory and written
    together, in one transaction, at most that many seconds apart (by the next
    :meth:`record`, the back office's sweep, a statistics read or shutdown): one multi-row
    upsert per interval instead of one transaction per turn, which cost a third of a worker's
    CPU under load. :meth:`buffer` adds counts without ever writing (the HTTP turn: no database
    round trip and no thread hop on the event loop; the sweep writes them). What a worker
    killed without shutdown had not yet written (at most ``flush_interval_s`` of counts) is
    lost; a failed write keeps its counts for the next attempt (at most
    :data:`MAX_PENDING_KEYS` keys are held).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        clock: Clock = utc_now,
        enabled: bool = True,
        flush_interval_s: float = 0.0,
    ) -> None:
        """Record into the database of ``session_factory`` (migrated to 0006_backoffice).

        ``enabled=False`` (``stats.enabled``) drops every event without writing;
        ``flush_interval_s`` = 0 writes every :meth:`record` at once.
        """
        self._sessions = session_factory
        self._clock = clock
        self.enabled = enabled
        self.flush_interval_s = flush_interval_s
        self._lock = threading.Lock()
        self._pending: Counter[UsageEvent] = Counter()
        self._last_flush = time.monotonic()
        self.failures = 0
        """Writes that failed since start (the events were dropped, the citizen was served)."""
        self.recorded = 0
        """Events counted since start."""

    def record(self, events: Iterable[UsageEvent]) -> bool:
        """Add ``events`` to the counters (now, or with the next flush); never raises.

        Returns:
            True when written or buffered, False when a write failed (logged and counted).
        """
        counts = Counter(events)
        if not counts or not self.enabled:
            return True
        with self._lock:
            self._pending.update(counts)
            due = time.monotonic() - self._last_flush >= self.flush_interval_s
        return self.flush() if due else True

    def buffer(self, events: Iterable[UsageEvent]) -> None:
        """Add ``events`` to the pending counts without writing; never raises, never blocks on I/O.

        For a caller on the event loop whose process flushes on a timer (the back office's
        sweep writes every ``flush_interval_s``; shutdown writes the rest). Beyond
        :data:`MAX_PENDING_KEYS` distinct keys (the database refusing writes for a long time)
        new keys are dropped and counted in :attr:`failures`, as a failed write would be.
        """
        if not self.enabled:
            return
        with self._lock:
            for event in events:
                if event in self._pending or len(self._pending) < MAX_PENDING_KEYS:
                    self._pending[event] += 1
                else:
                    self.failures += 1

    def flush(self) -> bool:
        """Write the buffered counts in one transaction; never raises.

        Returns:
            True when written (or nothing was pending), False when the write failed.
        """
        with self._lock:
            counts, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not counts:
            return True
        try:
            with self._sessions.begin() as session:
                dialect = session.get_bind().dialect.name
                # one statement for every key (executemany: batched VALUES rows), not one
                # round trip per key; the keys of a Counter are distinct, as ON CONFLICT needs,
                # and sorted, so two workers' flushes lock shared rows in the same order
                rows = sorted((_row(event, n) for event, n in counts.items()), key=_row_key)
                session.execute(_upsert(dialect), rows)
        except Exception as exc:  # noqa: BLE001 - statistics never fail a citizen's turn
            logger.warning(
                "usage statistics not recorded", extra={"error": type(exc).__name__}
            )
            with self._lock:  # kept for the next attempt, within bounds
                self.failures += 1
                if len(self._pending) + len(counts) <= MAX_PENDING_KEYS:
                    self._pending.update(counts)
            return False
        with self._lock:
            self.recorded += sum(counts.values())
        return True

    def prune(self, retention_days: int) -> int:
        """Delete the hours older than ``retention_days``; returns how many rows went."""
        cutoff = hour_of(self._clock()) - timedelta(days=retention_days)
        with self._sessions.begin() as session:
            result = session.execute(delete(HourlyCountRow).where(HourlyCountRow.hour < cutoff))
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            logger.info("usage statistics pruned", extra={"rows": removed})
        return removed


_KEY = ("hour", "kiosk_id", "matter_code", "event", "reason", "channel")


def _row(event: UsageEvent, n: int) -> dict[str, object]:
    """The counter row of ``event`` adding ``n``."""
    return {
        "hour": event.hour,
        "kiosk_id": event.kiosk_id,
        "matter_code": event.matter_code,
        "event": event.kind.value,
        "reason": event.reason,
        "channel": event.channel,
        "count": n,
    }


def _row_key(row: dict[str, object]) -> tuple[str, ...]:
    """Sort key of a counter row: its unique key, as text (the hour in ISO form, UTC)."""
    hour = row["hour"]
    stamp = hour.isoformat() if isinstance(hour, datetime) else str(hour)
    return (stamp, *(str(row[k]) for k in _KEY[1:]))


def _upsert(dialect: str):  # type: ignore[no-untyped-def]
    """``INSERT … ON CONFLICT (key) DO UPDATE SET count = count + excluded.count`` for ``dialect``.

    Executed with a list of :func:`_row` parameter sets (one per distinct key).

    Raises:
        NotImplementedError: a database other than SQLite or PostgreSQL.
    """
    if dialect == "postgresql":
        pg = postgresql.insert(HourlyCountRow)
        return pg.on_conflict_do_update(
            index_elements=list(_KEY), set_={"count": HourlyCountRow.count + pg.excluded.count}
        )
    if dialect == "sqlite":
        lite = sqlite.insert(HourlyCountRow)
        return lite.on_conflict_do_update(
            index_elements=list(_KEY), set_={"count": HourlyCountRow.count + lite.excluded.count}
        )
    raise NotImplementedError(f"usage statistics need SQLite or PostgreSQL, not {dialect}")
