"""Reading the hourly counters: the figures of GB/T 47483 §10.1 over a chosen period.

Periods are whole local days (``StatsSettings.timezone``, Asia/Shanghai by default); counts
are summed in SQL by hour or by key, then hours are placed on the local clock here, so the
0–24 h curve, days, months and years follow the kiosks' wall clock.

Usage example::

    reader = StatsReader(sessions, ZoneInfo("Asia/Shanghai"))
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    reader.matter_heat(period, names={"HJ-0004": "居民身份证补领"})
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.stats.recorder import QUESTION_EVENTS, UsageEventKind
from assistant.stats.tables import HourlyCountRow

_QUESTIONS = [e.value for e in QUESTION_EVENTS]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True)
class Period:
    """Local days ``start`` to ``end``, both included."""

    start: date
    end: date

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[from, to) in UTC."""
        low = datetime.combine(self.start, time.min, zone).astimezone(UTC)
        high = datetime.combine(self.end + timedelta(days=1), time.min, zone).astimezone(UTC)
        return low, high


class Granularity(StrEnum):
    """Buckets of the use-over-time series."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Summary(_Frozen):
    """Totals of a period."""

    questions: int = Field(description="Citizen turns (answered, refused, abstained, …)")
    answered: int
    refused: int
    abstained: int
    clarified: int
    other: int = Field(description="Help and small talk")
    flagged: int = Field(description="Answers sent to human review")
    voice: int
    keyboard: int
    helpful: int
    not_helpful: int
    refusal_rate: float = Field(description="refused / questions (0 when none)")
    abstain_rate: float = Field(description="abstained / questions (0 when none)")


class MatterHeat(_Frozen):
    """Service heat of one matter (服务热度)."""

    rank: int
    matter_code: str
    matter_name: str
    visits: int = Field(description="Answers about the matter")
    share: float = Field(description="visits / all answers of the period")
    helpful: int
    not_helpful: int


class KioskHeat(_Frozen):
    """Terminal heat of one kiosk (终端热度)."""

    rank: int
    kiosk_id: str = Field(description="Kiosk id; empty for turns without one")
    questions: int
    answered: int
    share: float


class Bucket(_Frozen):
    """Questions in one bucket of a series (an hour of the day, a day, a month, a year)."""

    label: str
    questions: int
    answered: int


class ReasonCount(_Frozen):
    """Refusals, abstentions or flags of one reason."""

    event: str
    reason: str
    count: int


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


class StatsReader:
    """Queries over ``stats_hourly``; see the module docstring."""

    def __init__(self, session_factory: sessionmaker[Session], zone: ZoneInfo) -> None:
        """Read the database of ``session_factory``; present times in ``zone``."""
        self._sessions = session_factory
        self.zone = zone

    def _where(self, period: Period, *events: str):  # type: ignore[no-untyped-def]
        low, high = period.utc_bounds(self.zone)
        clauses = [HourlyCountRow.hour >= low, HourlyCountRow.hour < high]
        if events:
            clauses.append(HourlyCountRow.event.in_(events))
        return clauses

    def _by(self, period: Period, *columns, events: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
        total = func.sum(HourlyCountRow.count)
        query = select(*columns, total).where(*self._where(period, *events)).group_by(*columns)
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def summary(self, period: Period) -> Summary:
        """Totals by outcome, channel and feedback."""
        events: Counter[str] = Counter()
        channels: Counter[str] = Counter()
        for event, channel, n in self._by(period, HourlyCountRow.event, HourlyCountRow.channel):
            events[event] += int(n)
            if event in _QUESTIONS:
                channels[channel] += int(n)
        questions = sum(events[e] for e in _QUESTIONS)
        return Summary(
            questions=questions,
            answered=events[UsageEventKind.ANSWER],
            refused=events[UsageEventKind.REFUSAL],
            abstained=events[UsageEventKind.ABSTAIN],
            clarified=events[UsageEventKind.CLARIFY],
            other=events[UsageEventKind.SYSTEM],
            flagged=events[UsageEventKind.FLAGGED],
            voice=channels["voice"],
            keyboard=channels["keyboard"],
            helpful=events[UsageEventKind.HELPFUL],
            not_helpful=events[UsageEventKind.NOT_HELPFUL],
            refusal_rate=_rate(events[UsageEventKind.REFUSAL], questions),
            abstain_rate=_rate(events[UsageEventKind.ABSTAIN], questions),
        )

    def matter_heat(
        self, period: Period, *, names: dict[str, str], limit: int = 100
    ) -> list[MatterHeat]:
        """Matters by answers, most visited first (ties by code), with their share."""
        rows = self._by(
            period, HourlyCountRow.matter_code, HourlyCountRow.event,
            events=(UsageEventKind.ANSWER, UsageEventKind.HELPFUL, UsageEventKind.NOT_HELPFUL),
        )
        per: dict[str, Counter[str]] = defaultdict(Counter)
        for code, event, n in rows:
            if code:
                per[code][event] += int(n)
        total = sum(c[UsageEventKind.ANSWER] for c in per.values())
        ordered = sorted(per.items(), key=lambda kv: (-kv[1][UsageEventKind.ANSWER], kv[0]))
        return [
            MatterHeat(
                rank=rank,
                matter_code=code,
                matter_name=names.get(code, ""),
                visits=c[UsageEventKind.ANSWER],
                share=_rate(c[UsageEventKind.ANSWER], total),
                helpful=c[UsageEventKind.HELPFUL],
                not_helpful=c[UsageEventKind.NOT_HELPFUL],
            )
            for rank, (code, c) in enumerate(ordered[:limit], start=1)
        ]

    def kiosk_heat(self, period: Period) -> list[KioskHeat]:
        """Kiosks by questions, busiest first."""
        rows = self._by(
            period, HourlyCountRow.kiosk_id, HourlyCountRow.event, events=tuple(_QUESTIONS)
        )
        per: dict[str, Counter[str]] = defaultdict(Counter)
        for kiosk, event, n in rows:
            per[kiosk]["questions"] += int(n)
            if event == UsageEventKind.ANSWER:
                per[kiosk]["answered"] += int(n)
        total = sum(c["questions"] for c in per.values())
        ordered = sorted(per.items(), key=lambda kv: (-kv[1]["questions"], kv[0]))
        return [
            KioskHeat(
                rank=rank, kiosk_id=kiosk, questions=c["questions"], answered=c["answered"],
                share=_rate(c["questions"], total),
            )
            for rank, (kiosk, c) in enumerate(ordered, start=1)
        ]

    def _local_hours(self, period: Period) -> list[tuple[datetime, str, int]]:
        rows = self._by(period, HourlyCountRow.hour, HourlyCountRow.event, events=tuple(_QUESTIONS))
        out = []
        for hour, event, n in rows:
            at = hour if hour.tzinfo is not None else hour.replace(tzinfo=UTC)
            out.append((at.astimezone(self.zone), event, int(n)))
        return out

    def hourly_curve(self, period: Period) -> list[Bucket]:
        """Questions per hour of the local day, 0–23 (the 0–24 h peak curve)."""
        questions, answered = [0] * 24, [0] * 24
        for at, event, n in self._local_hours(period):
            questions[at.hour] += n
            if event == UsageEventKind.ANSWER:
                answered[at.hour] += n
        return [
            Bucket(label=f"{h:02d}:00", questions=questions[h], answered=answered[h])
            for h in range(24)
        ]

    def usage(self, period: Period, granularity: Granularity) -> list[Bucket]:
        """Questions per local day, month or year over the period (empty buckets included)."""
        fmt = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[granularity.value]
        questions: Counter[str] = Counter()
        answered: Counter[str] = Counter()
        for at, event, n in self._local_hours(period):
            key = at.strftime(fmt)
            questions[key] += n
            if event == UsageEventKind.ANSWER:
                answered[key] += n
        labels: list[str] = []
        day = period.start
        while day <= period.end:
            key = day.strftime(fmt)
            if not labels or labels[-1] != key:
                labels.append(key)
            day += timedelta(days=1)
        return [Bucket(label=k, questions=questions[k], answered=answered[k]) for k in labels]

    def reasons(self, period: Period) -> list[ReasonCount]:
        """Refusals, abstentions and flags by reason, largest first."""
        rows = self._by(
            period, HourlyCountRow.event, HourlyCountRow.reason,
            events=(UsageEventKind.REFUSAL, UsageEventKind.ABSTAIN, UsageEventKind.FLAGGED),
        )
        counts = [ReasonCount(event=e, reason=r, count=int(n)) for e, r, n in rows]
        return sorted(counts, key=lambda c: (-c.count, c.event, c.reason))
