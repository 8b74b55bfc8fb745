"""In-process latency of a full turn: the pipeline's ``run`` on citizen questions.

Each timed question is asked once, after untimed warm-up turns on *other* questions: the e5
embedder keeps recent query vectors (a kiosk hears the same questions all day), and a question
seen during warm-up would be timed without its encoding. Wall time and the thread's CPU time
are both kept: on a shared machine the wall time also holds waits for the cores.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from assistant.models import Turn
from assistant.pipeline import Pipeline
from evals.bench.models import LatencySummary
from evals.metrics import percentile


def summarize(
    latencies_ms: Sequence[float], cpu_ms: Sequence[float] | None = None
) -> LatencySummary:
    """Percentiles, mean and maximum of ``latencies_ms``; CPU percentiles of ``cpu_ms``.

    Both in milliseconds; ``cpu_ms`` (one value per operation) is optional.
    """
    values = list(latencies_ms)
    cpu = list(cpu_ms) if cpu_ms else []
    return LatencySummary(
        count=len(values),
        p50_ms=round(percentile(values, 50), 3),
        p95_ms=round(percentile(values, 95), 3),
        mean_ms=round(sum(values) / len(values), 3) if values else 0.0,
        max_ms=round(max(values), 3) if values else 0.0,
        cpu_p50_ms=round(percentile(cpu, 50), 3) if cpu else None,
        cpu_p95_ms=round(percentile(cpu, 95), 3) if cpu else None,
    )


async def _timed_turns(
    pipeline: Pipeline, questions: Sequence[str]
) -> tuple[list[float], list[float]]:
    latencies: list[float] = []
    cpu: list[float] = []
    for question in questions:
        turn = Turn(question=question)
        started, started_cpu = time.perf_counter(), time.thread_time()
        await pipeline.run(turn)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return latencies, cpu


def warmup_questions(pool: Sequence[str], timed: Sequence[str], count: int) -> list[str]:
    """Up to ``count`` questions of ``pool`` that are not among the ``timed`` ones."""
    seen = set(timed)
    return [q for q in dict.fromkeys(pool) if q not in seen][:count]


def measure_turns(
    pipeline: Pipeline, questions: Sequence[str], *, warmup: Sequence[str] = ()
) -> LatencySummary:
    """Time one turn per question, in one event loop, after the ``warmup`` turns untimed.

    Args:
        pipeline: a built pipeline (its retriever already indexed).
        questions: the citizen questions, each 1–500 characters, each timed once.
        warmup: questions run untimed first (lazy loads); any also in ``questions`` is
            skipped, so no timed question finds its vector cached by the warm-up.

    Returns:
        Wall and CPU latency of the timed turns, in milliseconds.
    """
    untimed = warmup_questions(warmup, questions, len(warmup))

    async def run() -> tuple[list[float], list[float]]:
        await _timed_turns(pipeline, untimed)
        return await _timed_turns(pipeline, questions)

    latencies, cpu = asyncio.run(run())
    return summarize(latencies, cpu)
