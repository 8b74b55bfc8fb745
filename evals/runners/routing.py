"""Routing evaluation: does the assistant's first route point at the right matter?

Runs each question through the full pipeline (input guard, intent, retrieval, clarification)
and reads the routes it offers, best first. A question is right at rank r when any of its
gold matters is the r-th route. Reports top-1, top-3 and MRR overall and per category
(style), the abstain rate (no route offered, not refused) and the refusal rate (refused by
the input guard), latency percentiles, and the misses worst first.
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
from evals.metrics import mean_reciprocal_rank, percentile, top_k


class RoutedTurn(BaseModel):
    """What one turn did with a question: the routes offered (codes, best first), or why not."""

    model_config = ConfigDict(frozen=True)

    codes: list[str]
    refused: bool = False
    reason_code: str | None = None

    @property
    def abstained(self) -> bool:
        """No route offered, and not because the guard refused the question."""
        return not self.codes and not self.refused


class RoutingScores(BaseModel):
    """Accuracy of one group of questions; rates are shares of ``count`` in [0, 1]."""

    model_config = ConfigDict(frozen=True)

    count: int
    top1: float
    top3: float
    mrr: float
    abstain_rate: float = 0.0
    refusal_rate: float = 0.0


class RoutingMiss(BaseModel):
    """A question whose first route was wrong.

    The question is redacted of personal data (GB/T 47483 §9.3), or None when the caller
    gave no redactor.
    """

    model_config = ConfigDict(frozen=True)

    question: str | None
    expected: str
    got: list[str]
    category: str
    rank: int | None = None
    outcome: str = "routed"
    """``routed`` (wrong routes), ``abstained`` or ``refused``."""


class RoutingReport(BaseModel):
    """The routing evaluation of a set."""

    model_config = ConfigDict(frozen=True)

    set_name: str
    overall: RoutingScores
    by_category: dict[str, RoutingScores]
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[RoutingMiss]
    catalogue: str = ""
    """The catalogue file the questions were routed on ("" = the service's own database)."""
    matters: int = 0
    """Published matters routed over."""
    aliases_stripped: bool = False
    """True when every hand-written alias, colloquial name, situation and English name was
    removed before indexing."""
    semantic: str = ""
    """The dense channel's status as ``/health`` reports it."""


def gold_rank(gold: Sequence[str], ranked: Sequence[str]) -> int | None:
    """1-based rank of the first route that is any of the ``gold`` matters, else None."""
    wanted = set(gold)
    for position, code in enumerate(ranked, start=1):
        if code in wanted:
            return position
    return None


def _scores(ranks: Sequence[int | None], turns: Sequence[RoutedTurn]) -> RoutingScores:
    count = len(ranks)
    return RoutingScores(
        count=count,
        top1=round(top_k(ranks, 1), 4),
        top3=round(top_k(ranks, 3), 4),
        mrr=round(mean_reciprocal_rank(ranks), 4),
        abstain_rate=round(sum(t.abstained for t in turns) / count, 4) if count else 0.0,
        refusal_rate=round(sum(t.refused for t in turns) / count, 4) if count else 0.0,
    )


def _miss_order(miss: RoutingMiss) -> tuple[int, int]:
    """Worst first: refused, then abstained, then gold absent, then by rank."""
    severity = {"refused": 0, "abstained": 1}.get(miss.outcome, 2)
    return severity, miss.rank or 0


def evaluate_ranked(
    set_name: str,
    cases: Sequence[RoutingCase],
    route: Callable[[str], list[str]] | Callable[[str], RoutedTurn],
    *,
    redact: Callable[[str], str] | None = None,
) -> RoutingReport:
    """Score ``route(question)`` (matter codes best first, or a :class:`RoutedTurn`).

    A set may hold real citizens' questions, so a missed question is written to the report
    only through ``redact`` (the guard's redaction); without it the miss keeps no text.
    """
    ranks: list[int | None] = []
    turns: list[RoutedTurn] = []
    by_category: dict[str, list[tuple[int | None, RoutedTurn]]] = defaultdict(list)
    latencies: list[float] = []
    misses: list[RoutingMiss] = []
    for case in cases:
        started = time.perf_counter()
        routed = route(case.question)
        latencies.append((time.perf_counter() - started) * 1000)
        turn = routed if isinstance(routed, RoutedTurn) else RoutedTurn(codes=list(routed))
        rank = gold_rank(case.gold_codes, turn.codes)
        ranks.append(rank)
        turns.append(turn)
        by_category[case.category].append((rank, turn))
        if rank != 1:
            outcome = "refused" if turn.refused else "abstained" if turn.abstained else "routed"
            misses.append(
                RoutingMiss(
                    question=redact(case.question) if redact is not None else None,
                    expected=",".join(case.gold_codes),
                    got=turn.codes[:3],
                    category=case.category,
                    rank=rank,
                    outcome=outcome,
                )
            )
    return RoutingReport(
        set_name=set_name,
        overall=_scores(ranks, turns),
        by_category={
            name: _scores([r for r, _ in pairs], [t for _, t in pairs])
            for name, pairs in sorted(by_category.items())
        },
        latency_p50_ms=round(percentile(latencies, 50), 3),
        latency_p95_ms=round(percentile(latencies, 95), 3),
        misses=sorted(misses, key=_miss_order),
    )


def pipeline_turns(pipeline: Pipeline) -> Callable[[str], RoutedTurn]:
    """A ``route`` function that runs a full turn and says what it did (routes or why not)."""

    def route(question: str) -> RoutedTurn:
        result = asyncio.run(pipeline.run(Turn(question=question)))
        return RoutedTurn(
            codes=[r.matter_code for r in result.routes],
            refused=result.refused,
            reason_code=result.reason_code,
        )

    return route


def pipeline_router(pipeline: Pipeline) -> Callable[[str], list[str]]:
    """A ``route`` function that runs a full turn and returns its route codes."""
    turns = pipeline_turns(pipeline)
    return lambda question: turns(question).codes


def evaluate_routing(
    set_name: str,
    cases: Sequence[RoutingCase],
    pipeline: Pipeline,
    redact: Callable[[str], str],
) -> RoutingReport:
    """Run every case through ``pipeline`` and score its routes; misses are ``redact``-ed."""
    return evaluate_ranked(set_name, cases, pipeline_turns(pipeline), redact=redact)
