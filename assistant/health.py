"""Service health (``GET /health`` and the ``daoban_component_up`` gauges): one assembly.

Which channels and models are live, and why not (§8, operator). ``/health`` returns it and
``/metrics`` exports the same components as gauges, so the two never disagree.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from assistant.runtime import Runtime


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


def _composer_health(composer: object) -> ComponentHealth:
    probe = getattr(composer, "health", None)
    name = str(getattr(composer, "name", type(composer).__name__))
    if callable(probe):
        available, detail = probe()
        return ComponentHealth(available=bool(available), detail=f"{name}: {detail}")
    return ComponentHealth(available=True, detail=name)


def service_health(runtime: Runtime) -> Health:
    """What is live on ``runtime``: database, retrieval, composer, then the registered probes.

    The probes are those the composition registered (models, guardrails, protection, kiosk
    credentials, …). Status is ``degraded`` when the composer is not live. Raises nothing a
    probe does not.
    """
    dense = runtime.retriever.dense_status()
    components = {
        "database": ComponentHealth(available=True, detail=runtime.engine.dialect.name),
        "retrieval.lexical": ComponentHealth(
            available=runtime.retriever.size > 0,
            detail=f"bm25 names/chars/pinyin/body over {runtime.retriever.size} matters",
        ),
        "retrieval.dense": ComponentHealth(available=dense.available, detail=dense.reason),
        "composer": _composer_health(runtime.pipeline.composer),
    }
    for name, probe in runtime.health_probes.items():
        available, detail = probe()
        components[name] = ComponentHealth(available=available, detail=detail)
    return Health(
        status="ok" if components["composer"].available else "degraded",
        matters_published=runtime.retriever.size,
        components=components,
    )
