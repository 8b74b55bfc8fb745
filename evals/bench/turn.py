"""In-process latency of a full turn: the pipeline's ``run`` on the dev-set questions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from assistant.models import Turn
from assistant.pipeline import Pipeline
from evals.bench.models import LatencySummary
from evals.metrics import percentile


def summarize(latencies_ms: Sequence[float]) -> LatencySummary:
    """Percentiles, mean and maximum of ``latencies_ms`` (milliseconds)."""
    values = list(latencies_ms)
    return LatencySummary(
        count=len(values),
        p50_ms=round(percentile(values, 50), 3),
        p95_ms=round(percentile(values, 95), 3),
        mean_ms=round(sum(values) / len(values), 3) if values else 0.0,
        max_ms=round(max(values), 3) if values else 0.0,
    )


async def _timed_turns(pipeline: Pipeline, questions: Sequence[str]) -> list[float]:
    latencies: list[float] = []
    for question in questions:
        turn = Turn(question=question)
        started = time.perf_counter()
        await pipeline.run(turn)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def measure_turns(
    pipeline: Pipeline, questions: Sequence[str], *, warmup: int = 30
) -> LatencySummary:
    """Time one turn per question, in one event loop, after ``warmup`` untimed turns.

    Args:
        pipeline: a built pipeline (its retriever already indexed).
        questions: the citizen questions, each 1–500 characters.
        warmup: how many of the first questions run untimed first (caches, lazy loads).

    Returns:
        Latency of the timed turns (every question once), in milliseconds.
    """

    async def run() -> list[float]:
        await _timed_turns(pipeline, questions[:warmup])
        return await _timed_turns(pipeline, questions)

    return summarize(asyncio.run(run()))
