"""Statistics API (GB/T 47483 §10.1) and the citizen's feedback tap.

* ``POST /v1/feedback`` — the kiosk (as ``/v1/ask``): ``{"answer_id", "helpful"}`` adds one to the
  helpful / not-helpful counter of that answer's hour, kiosk and matter. 202; 422 for a
  forged or expired id.
* ``GET /v1/stats/{summary,matters,kiosks,hourly,usage,reasons}`` — JSON over a period of local
  days (``start``, ``end``; the last 30 days by default); ``GET /v1/stats/export.csv?report=``
  the same as CSV. Bearer token of an ``admin``, ``auditor`` or ``publisher`` (401 / 403).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from assistant.backoffice import Backoffice
from assistant.errors import AssistantError
from assistant.stats.queries import (
    Bucket,
    Granularity,
    KioskHeat,
    MatterHeat,
    Period,
    ReasonCount,
    Summary,
)
from assistant.stats.recorder import UsageEvent, UsageEventKind, hour_of, utc_now
from guardrails.api import get_principal
from guardrails.errors import ForbiddenRoleError
from guardrails.models import Principal, Role
from kiosk_bridge.api import KioskIdentityDep

router = APIRouter(prefix="/v1", tags=["stats"])

STATS_ROLES = frozenset({Role.ADMIN, Role.AUDITOR, Role.PUBLISHER})
"""Who reads the statistics: operators, auditors, the publishing agency."""

MAX_DAYS = 3700
"""Longest period one query may span (about ten years)."""


class BackofficeNotReadyError(AssistantError):
    """The back office was not built (an app without the lifespan)."""

    code = "stats.unavailable"
    status = 503
    message_zh = "统计服务未就绪，请稍后再试"


class PeriodError(AssistantError):
    """The period is reversed or too long."""

    code = "stats.invalid_period"
    status = 422
    message_zh = "统计时段无效：开始日期须不晚于结束日期，且跨度不超过十年"


def get_backoffice(request: Request) -> Backoffice:
    """The back office built by the lifespan.

    Raises:
        BackofficeNotReadyError: none (503).
    """
    backoffice = getattr(request.state, "backoffice", None)
    if not isinstance(backoffice, Backoffice):
        raise BackofficeNotReadyError
    if request.method == "GET":  # a read includes this worker's buffered counts; a tap waits
        backoffice.stats.flush()
    return backoffice


BackofficeDep = Annotated[Backoffice, Depends(get_backoffice)]


def require_stats_reader(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """An admin, auditor or publisher.

    Raises:
        ForbiddenRoleError: another role (403).
    """
    if principal.role not in STATS_ROLES:
        raise ForbiddenRoleError()
    return principal


StatsReaderDep = Annotated[Principal, Depends(require_stats_reader)]


def get_period(
    backoffice: BackofficeDep,
    start: Annotated[date | None, Query(description="First local day (YYYY-MM-DD)")] = None,
    end: Annotated[date | None, Query(description="Last local day, included")] = None,
) -> Period:
    """The period asked for; the last 30 local days by default.

    Raises:
        PeriodError: ``start`` after ``end`` or longer than :data:`MAX_DAYS`.
    """
    today = datetime.now(backoffice.reader.zone).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end or (end - start).days > MAX_DAYS:
        raise PeriodError
    return Period(start, end)


PeriodDep = Annotated[Period, Depends(get_period)]


class FeedbackBody(BaseModel):
    """A citizen's tap on one answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer_id: str = Field(min_length=10, max_length=600, description="From the /v1/ask reply")
    helpful: bool = Field(description="有帮助 (true) / 没帮助 (false)")


class FeedbackAccepted(BaseModel):
    """The tap was counted (after the reply)."""

    accepted: bool = True


@router.post("/feedback", response_model=FeedbackAccepted, status_code=202)
def feedback(
    body: FeedbackBody,
    backoffice: BackofficeDep,
    background: BackgroundTasks,
    who: KioskIdentityDep,
) -> FeedbackAccepted:
    """Count a citizen's helpful / not-helpful tap on an answer (§10.1).

    The caller is a kiosk, as for ``/v1/ask`` (``X-Kiosk-Token`` or anonymous as configured),
    and may tap only answers given at that kiosk.

    Raises:
        InvalidAnswerIdError: forged, malformed or expired answer id (422).
        KioskForbiddenError: an identified kiosk taps another kiosk's answer (403).
    """
    claims = backoffice.answer_ids.verify(body.answer_id, now=utc_now())
    who.require(claims.kiosk_id or None)
    kind = UsageEventKind.HELPFUL if body.helpful else UsageEventKind.NOT_HELPFUL
    event = UsageEvent(
        hour=hour_of(claims.hour), kind=kind, kiosk_id=claims.kiosk_id,
        matter_code=claims.matter_code, channel=claims.channel,
    )
    background.add_task(backoffice.stats.record, [event])
    return FeedbackAccepted()


RowT = TypeVar("RowT")


class Page(BaseModel, Generic[RowT]):
    """Rows of a report with the period they cover."""

    start: date
    end: date
    data: list[RowT]


@router.get("/stats/summary", response_model=Summary)
def stats_summary(_who: StatsReaderDep, backoffice: BackofficeDep, period: PeriodDep) -> Summary:
    """Questions, answers, refusals, abstentions, flags, voice vs keyboard, feedback."""
    return backoffice.reader.summary(period)


def _names(backoffice: Backoffice) -> dict[str, str]:
    return {m.code: m.name for m in backoffice.runtime.store.list()}


@router.get("/stats/matters", response_model=Page[MatterHeat])
def stats_matters(
    _who: StatsReaderDep,
    backoffice: BackofficeDep,
    period: PeriodDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[MatterHeat]:
    """Service heat: visits, share and rank of each matter."""
    rows = backoffice.reader.matter_heat(period, names=_names(backoffice), limit=limit)
    return Page(start=period.start, end=period.end, data=rows)


@router.get("/stats/kiosks", response_model=Page[KioskHeat])
def stats_kiosks(
    _who: StatsReaderDep, backoffice: BackofficeDep, period: PeriodDep
) -> Page[KioskHeat]:
    """Terminal heat: questions per kiosk."""
    return Page(start=period.start, end=period.end, data=backoffice.reader.kiosk_heat(period))


@router.get("/stats/hourly", response_model=Page[Bucket])
def stats_hourly(
    _who: StatsReaderDep, backoffice: BackofficeDep, period: PeriodDep
) -> Page[Bucket]:
    """The 0–24 h curve: questions per hour of the local day over the period."""
    return Page(start=period.start, end=period.end, data=backoffice.reader.hourly_curve(period))


@router.get("/stats/usage", response_model=Page[Bucket])
def stats_usage(
    _who: StatsReaderDep,
    backoffice: BackofficeDep,
    period: PeriodDep,
    granularity: Granularity = Granularity.DAY,
) -> Page[Bucket]:
    """Daily, monthly or yearly use."""
    data = backoffice.reader.usage(period, granularity)
    return Page(start=period.start, end=period.end, data=data)


@router.get("/stats/reasons", response_model=Page[ReasonCount])
def stats_reasons(
    _who: StatsReaderDep, backoffice: BackofficeDep, period: PeriodDep
) -> Page[ReasonCount]:
    """Refusals, abstentions and flagged answers by reason."""
    return Page(start=period.start, end=period.end, data=backoffice.reader.reasons(period))


Report = Literal["matters", "kiosks", "hourly", "day", "month", "year", "reasons"]


@router.get("/stats/export.csv")
def stats_export(
    _who: StatsReaderDep,
    backoffice: BackofficeDep,
    period: PeriodDep,
    report: Report = "matters",
) -> Response:
    """One report as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    reader = backoffice.reader
    rows: list[BaseModel]
    if report == "matters":
        rows = list(reader.matter_heat(period, names=_names(backoffice), limit=10_000))
    elif report == "kiosks":
        rows = list(reader.kiosk_heat(period))
    elif report == "hourly":
        rows = list(reader.hourly_curve(period))
    elif report == "reasons":
        rows = list(reader.reasons(period))
    else:
        rows = list(reader.usage(period, Granularity(report)))
    buffer = io.StringIO()
    fields = list(type(rows[0]).model_fields) if rows else ["empty"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump(mode="json"))
    name = f"daoban-{report}-{period.start}-{period.end}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
