"""HTTP interface of the assistant: ``POST /v1/ask`` (one turn) and ``GET /health``."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, ConfigDict

from assistant.backoffice import Backoffice
from assistant.deps import RuntimeDep
from assistant.models import Turn, TurnResult
from assistant.stats.recorder import InputChannel

router = APIRouter(tags=["assistant"])


@router.post("/v1/ask", response_model=TurnResult)
async def ask(
    turn: Turn, runtime: RuntimeDep, request: Request, background: BackgroundTasks
) -> TurnResult:
    """Answer one citizen question: labelled answer, sources, one-click routes, follow-ups.

    The answer carries an ``answer_id`` for the citizen's helpful / not-helpful tap
    (``POST /v1/feedback``); usage is counted after the reply has gone (§10.1).
    """
    result = await runtime.pipeline.run(turn)
    backoffice = getattr(request.state, "backoffice", None)
    if not isinstance(backoffice, Backoffice):
        return result
    counted, events = backoffice.count_turn(
        result, kiosk_id=turn.kiosk_id, channel=InputChannel(turn.channel)
    )
    background.add_task(backoffice.stats.record, events)
    return counted


class ComponentHealth(BaseModel):
    """Whether one component is live, and why not."""

    model_config = ConfigDict(frozen=True)

    available: bool
    detail: str = ""


class Health(BaseModel):
    """Service health: which channels and models are live (§8, operator)."""

    status: str
    matters_published: int
    components: dict[str, ComponentHealth]


@router.get("/health", response_model=Health)
async def health(runtime: RuntimeDep) -> Health:
    """Report what is live: database, retrieval channels, models, composers, guardrails."""
    dense = runtime.retriever.dense_status()
    components = {
        "database": ComponentHealth(available=True, detail=runtime.engine.dialect.name),
        "retrieval.lexical": ComponentHealth(
            available=runtime.retriever.size > 0,
            detail=f"bm25 names/chars/pinyin/body over {runtime.retriever.size} matters",
        ),
        "retrieval.dense": ComponentHealth(available=dense.available, detail=dense.reason),
        "composer": ComponentHealth(available=True, detail=runtime.pipeline.composer.name),
    }
    for name, probe in runtime.health_probes.items():
        available, detail = probe()
        components[name] = ComponentHealth(available=available, detail=detail)
    return Health(
        status="ok",
        matters_published=runtime.retriever.size,
        components=components,
    )
