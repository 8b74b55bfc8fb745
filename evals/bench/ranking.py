"""Score a retriever on the dev set: accuracy (exact and by family) and search latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from evals.bench.growth import family_code
from evals.bench.models import Accuracy, RetrieverResult
from evals.bench.turn import summarize
from evals.datasets import RoutingCase
from evals.runners.routing import RoutingReport, evaluate_ranked

SearchFn = Callable[[str], list[str]]
"""A retriever as the bench sees it: question → matter codes, best first."""


def _accuracy(report: RoutingReport) -> Accuracy:
    o = report.overall
    return Accuracy(top1=o.top1, top3=o.top3, mrr=o.mrr)


def _families(codes: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for code in codes:
        seen.setdefault(family_code(code), None)
    return list(seen)


def score_retriever(
    name: str,
    search: SearchFn,
    cases: Sequence[RoutingCase],
    *,
    build_s: float,
    warmup: int = 10,
    notes: str = "",
) -> RetrieverResult:
    """Run ``search`` once per case (after ``warmup`` untimed calls) and score the rankings.

    Args:
        name: how the report names the retriever.
        search: question → matter codes, best first.
        cases: the dev-set cases.
        build_s: seconds the retriever took to index, as measured by the caller.
        warmup: untimed searches first.
        notes: caveats shown in the report.

    Returns:
        Exact and family accuracy, and the latency of the timed searches.
    """
    for case in cases[:warmup]:
        search(case.question)
    ranked: dict[str, list[str]] = {}
    latencies: list[float] = []
    for case in cases:
        started = time.perf_counter()
        ranked[case.question] = search(case.question)
        latencies.append((time.perf_counter() - started) * 1000)
    exact = evaluate_ranked(name, cases, lambda q: ranked[q])
    family = evaluate_ranked(name, cases, lambda q: _families(ranked[q]))
    return RetrieverResult(
        name=name,
        accuracy=_accuracy(exact),
        family_accuracy=_accuracy(family),
        search=summarize(latencies),
        build_s=round(build_s, 3),
        notes=notes,
    )
