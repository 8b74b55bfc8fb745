"""HTTP interface of the assistant: ``POST /v1/ask`` (one turn) and ``GET /health``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from assistant.deps import RuntimeDep
from assistant.models import Turn, TurnResult

router = APIRouter(tags=["assistant"])


@router.post("/v1/ask", response_model=TurnResult)
async def ask(turn: Turn, runtime: RuntimeDep) -> TurnResult:
    """Answer one citizen question: labelled answer, sources, one-click routes, follow-ups."""
    return await runtime.pipeline.run(turn)


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
