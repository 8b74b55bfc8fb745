"""HTTP interface of the knowledge base: matter lookup for the kiosk.

``GET /v1/matters?q=`` searches published matters (the same retrieval the assistant uses);
``GET /v1/matters/{code}`` returns one published matter with every §6.2 element.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from knowledge.errors import MatterNotFoundError
from knowledge.models import Matter
from knowledge.retrieve import HybridRetriever

router = APIRouter(tags=["knowledge"])


def get_retriever(request: Request) -> HybridRetriever:
    """The retriever built in the lifespan (its own entry of the lifespan state)."""
    retriever: HybridRetriever = request.state.retriever
    return retriever


RetrieverDep = Annotated[HybridRetriever, Depends(get_retriever)]


class MatterSummary(BaseModel):
    """A matter in a result list."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    department: str
    kiosk_available: bool
    kiosk_route: str
    score: float | None = None


class MatterList(BaseModel):
    """A list of matters with its count."""

    data: list[MatterSummary]
    count: int


def _summary(matter: Matter, score: float | None = None) -> MatterSummary:
    return MatterSummary(
        code=matter.code,
        name=matter.name,
        department=matter.department,
        kiosk_available=matter.kiosk_available,
        kiosk_route=matter.kiosk_route,
        score=score,
    )


@router.get("/v1/matters", response_model=MatterList)
async def list_matters(
    retriever: RetrieverDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Search text")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MatterList:
    """Published matters: best matches for ``q``, or all of them by code."""
    if q:
        hits = retriever.search(q, k=limit)
        data = [_summary(h.matter, h.score) for h in hits]
    else:
        data = [_summary(m) for m in retriever.matters()[:limit]]
    return MatterList(data=data, count=len(data))


@router.get("/v1/matters/{code}", response_model=Matter)
async def get_matter(code: str, retriever: RetrieverDep) -> Matter:
    """One published matter, every §6.2 element.

    Raises:
        MatterNotFoundError: no published matter with ``code`` (404).
    """
    matter = retriever.matter(code)
    if matter is None:
        raise MatterNotFoundError
    return matter
