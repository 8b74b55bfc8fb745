"""Evaluation metrics: top-k accuracy (recall@k with one relevant item), MRR, percentiles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def rank_of(expected: str, ranked: Sequence[str]) -> int | None:
    """1-based rank of ``expected`` in ``ranked``, or ``None`` when absent."""
    for position, item in enumerate(ranked, start=1):
        if item == expected:
            return position
    return None


def top_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose expected item is within the first ``k`` (recall@k)."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank, counting a miss as 0."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``; 0.0 when empty."""
    if not values:
        return 0.0
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))
