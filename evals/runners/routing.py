"""Routing evaluation: does the assistant's first route point at the right matter?

Runs each question through the full pipeline (input guard, intent, retrieval, clarification)
and reads the routes it offers, best first. Reports top-1, top-3 and MRR overall and per
category, latency percentiles, and the misses.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from assistant.models import Turn
from assistant.pipeline import Pipeline
from evals.datasets import RoutingCase
from evals.metrics import mean_reciprocal_rank, percentile, rank_of, top_k


class RoutingScores(BaseModel):
    """Accuracy of one group of questions."""

    model_config = ConfigDict(frozen=True)

    count: int
    top1: float
    top3: float
    mrr: float


class RoutingMiss(BaseModel):
    """A question whose first route was wrong; the question redacted of personal data
    (GB/T 47483 §9.3), or None when the caller gave no redactor."""

    model_config = ConfigDict(frozen=True)

    question: str | None
    expected: str
    got: list[str]
    category: str


class RoutingReport(BaseModel):
    """The routing evaluation of a set."""

    model_config = ConfigDict(frozen=True)

    set_name: str
    overall: RoutingScores
    by_category: dict[str, RoutingScores]
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[RoutingMiss]


def _scores(ranks: Sequence[int | None]) -> RoutingScores:
    return RoutingScores(
        count=len(ranks),
        top1=round(top_k(ranks, 1), 4),
        top3=round(top_k(ranks, 3), 4),
        mrr=round(mean_reciprocal_rank(ranks), 4),
    )


def evaluate_ranked(
    set_name: str,
    cases: Sequence[RoutingCase],
    route: Callable[[str], list[str]],
    *,
    redact: Callable[[str], str] | None = None,
) -> RoutingReport:
    """Score ``route(question) -> matter codes, best first`` on ``cases``.

    A set may hold real citizens' questions, so a missed question is written to the report
    only through ``redact`` (the guard's redaction); without it the miss keeps no text.
    """
    ranks: list[int | None] = []
    by_category: dict[str, list[int | None]] = defaultdict(list)
    latencies: list[float] = []
    misses: list[RoutingMiss] = []
    for case in cases:
        started = time.perf_counter()
        codes = route(case.question)
        latencies.append((time.perf_counter() - started) * 1000)
        rank = rank_of(case.matter_code, codes)
        ranks.append(rank)
        by_category[case.category].append(rank)
        if rank != 1:
            misses.append(
                RoutingMiss(
                    question=redact(case.question) if redact is not None else None,
                    expected=case.matter_code,
                    got=codes[:3],
                    category=case.category,
                )
            )
    return RoutingReport(
        set_name=set_name,
        overall=_scores(ranks),
        by_category={name: _scores(r) for name, r in sorted(by_category.items())},
        latency_p50_ms=round(percentile(latencies, 50), 3),
        latency_p95_ms=round(percentile(latencies, 95), 3),
        misses=misses,
    )


def pipeline_router(pipeline: Pipeline) -> Callable[[str], list[str]]:
    """A ``route`` function that runs a full turn and returns its route codes."""

    def route(question: str) -> list[str]:
        result = asyncio.run(pipeline.run(Turn(question=question)))
        return [r.matter_code for r in result.routes]

    return route


def evaluate_routing(
    set_name: str,
    cases: Sequence[RoutingCase],
    pipeline: Pipeline,
    redact: Callable[[str], str],
) -> RoutingReport:
    """Run every case through ``pipeline`` and score its routes; misses are ``redact``-ed."""
    return evaluate_ranked(set_name, cases, pipeline_router(pipeline), redact=redact)
