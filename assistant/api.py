"""HTTP interface of the assistant: ``POST /v1/ask`` (one turn) and ``GET /health``."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request

from assistant import metrics
from assistant.backoffice import Backoffice
from assistant.deps import RuntimeDep
from assistant.health import Health, service_health
from assistant.models import Turn, TurnResult
from assistant.stats.recorder import InputChannel
from kiosk_bridge.api import KioskIdentityDep

router = APIRouter(tags=["assistant"])


@router.post("/v1/ask", response_model=TurnResult)
async def ask(
    turn: Turn, runtime: RuntimeDep, request: Request, background: BackgroundTasks,
    who: KioskIdentityDep,
) -> TurnResult:
    """Answer one citizen question: labelled answer, sources, one-click routes, follow-ups.

    The answer carries an ``answer_id`` for the citizen's helpful / not-helpful tap
    (``POST /v1/feedback``); usage is counted after the reply has gone (§10.1). The caller
    is a kiosk (``X-Kiosk-Token``, or anonymous as configured) and may name only itself as
    ``kiosk_id`` (403 ``kiosk.forbidden``), and continue only a session it started (403
    ``kiosk.session_forbidden``; the first turn of a new session id binds it to the caller).
    """
    who.require(turn.kiosk_id)
    if turn.session_id is not None:
        runtime.dialogue.claim_turn(turn.session_id, who.kiosk_id)
    result = await runtime.pipeline.run(turn)
    metrics.count_turn(result, str(turn.channel))
    backoffice = getattr(request.state, "backoffice", None)
    if not isinstance(backoffice, Backoffice):
        return result
    counted, events = backoffice.count_turn(
        result, kiosk_id=turn.kiosk_id, channel=InputChannel(turn.channel)
    )
    backoffice.record_after_reply(events, background)
    return counted


@router.get("/health", response_model=Health)
async def health(runtime: RuntimeDep) -> Health:
    """Report what is live: database, retrieval channels, models, composers, guardrails."""
    return service_health(runtime)
