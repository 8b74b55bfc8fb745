"""Retrieval under the Mandarin recognition-noise model (issue 4: within 5 points of clean).

Retrieval alone, on the Mandarin questions of the dev set at the default noise level and
seed; the full pipeline figure comes from ``daoban eval asr-noise``.
"""

from __future__ import annotations

import re

import pytest

from evals.datasets import DEV_ROUTING_SET, read_routing_cases
from evals.noise import AsrNoise, NoiseConfig
from knowledge.retrieve import HybridRetriever
from tests.factories import sample_matters


@pytest.fixture(scope="module")
def retriever() -> HybridRetriever:
    r = HybridRetriever()
    r.rebuild(sample_matters())
    return r


def test_noise_costs_retrieval_little(retriever: HybridRetriever) -> None:
    cases = [
        c for c in read_routing_cases(DEV_ROUTING_SET) if re.search(r"[\u4e00-\u9fff]", c.question)
    ]
    noise = AsrNoise(NoiseConfig())

    def top1(questions: list[str]) -> float:
        hits = [retriever.search(q, k=1) for q in questions]
        pairs = zip(hits, cases, strict=True)
        right = [bool(h) and h[0].matter.code == c.matter_code for h, c in pairs]
        return sum(right) / len(cases)

    clean = top1([c.question for c in cases])
    noisy = top1([noise.apply(c.question) for c in cases])
    assert clean >= 0.93
    assert clean - noisy <= 0.025, (clean, noisy)
