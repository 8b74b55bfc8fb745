import pytest

from knowledge.retrieve import HybridRetriever
from tests.factories import make_content, published, sample_matters


@pytest.fixture(scope="module")
def retriever():
    r = HybridRetriever()
    r.rebuild(sample_matters())
    return r


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("身份证丢了怎么补办", "HJ-0004"),
        ("户口签移要带什么", "HJ-0008"),
        ("异地就一备案怎么弄", "YB-0002"),
        ("驾照到期了要换", "CJG-0001"),
        ("How do I replace a lost ID card?", "HJ-0004"),
    ],
)
def test_finds_the_matter(retriever, question, code):
    hits = retriever.search(question, k=3)
    assert code in [h.matter.code for h in hits]


def test_hits_are_sorted_and_explained(retriever):
    hits = retriever.search("身份证丢了怎么补办", k=5)
    assert hits[0].matter.code == "HJ-0004"
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert {"names", "pinyin", "chars", "body", "coverage"} <= set(hits[0].channel_scores)
    assert hits[0].channel_scores["coverage"] > 0.5


def test_unrelated_question_has_low_coverage(retriever):
    hits = retriever.search("今天天气怎么样", k=3)
    assert all(h.channel_scores["coverage"] < 0.35 for h in hits)


def test_rebuild_swaps_in_new_matters():
    r = HybridRetriever()
    r.rebuild([published(make_content("TS-0001", name="测试事项办理"))])
    assert r.search("测试事项", k=1)[0].matter.code == "TS-0001"
    r.rebuild([])
    assert r.search("测试事项", k=1) == []
    assert r.size == 0


def test_k_must_be_positive(retriever):
    with pytest.raises(ValueError, match="k must be"):
        retriever.search("居住证", k=0)
