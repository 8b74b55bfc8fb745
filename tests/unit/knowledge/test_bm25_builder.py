"""Indexing from kept term ids ranks exactly as a fresh build from the terms (issue 8)."""

from __future__ import annotations

import numpy as np

from knowledge.index.bm25 import Bm25Builder, Bm25Channel
from knowledge.retrieve import HybridRetriever
from tests.factories import make_content, published, sample_matters

QUERIES = [
    ["居住证", "申领"],
    ["护照", "护照", "换发"],
    ["结婚", "登记", "材料"],
    ["旧词"],  # only the document removed by the publish held it
    ["新词", "居住证"],  # only the document the publish added holds it
    ["无人", "提及"],
]

BEFORE: dict[str, list[str]] = {
    "A": ["居住证", "申领", "居住证", "材料"],
    "B": ["护照", "换发", "出入境"],
    "C": ["结婚", "登记", "婚姻", "材料"],
    "D": ["旧词", "户口"],
    "E": [],
}

AFTER: dict[str, list[str]] = {
    "A": ["居住证", "申领", "居住证", "材料"],
    "B2": ["护照", "换发", "护照", "首次"],  # B edited
    "C": ["结婚", "登记", "婚姻", "材料"],
    "F": ["新词", "居住证", "签注"],  # D removed, F added
    "E": [],
}


def _build(builder: Bm25Builder, documents: dict[str, list[str]]) -> Bm25Channel:
    keys = list(documents)
    return builder.build(keys, lambda i: documents[keys[i]])


def _fresh(documents: dict[str, list[str]], b: float) -> Bm25Channel:
    matters = [published(make_content(f"TS-{i:04d}")) for i in range(len(documents))]
    terms = list(documents.values())
    by_code = {m.code: terms[i] for i, m in enumerate(matters)}
    channel = Bm25Channel("body", lambda m: by_code[m.code], b=b)
    channel.build(matters)
    return channel


def _assert_same(fast: Bm25Channel, fresh: Bm25Channel) -> None:
    for terms in QUERIES:
        assert np.array_equal(fast.scores(terms), fresh.scores(terms)), terms
        assert fast.known_share(terms) == fresh.known_share(terms), terms


def test_ids_kept_across_a_publish_score_as_a_fresh_build() -> None:
    builder = Bm25Builder("body", b=0.75)
    _assert_same(_build(builder, BEFORE), _fresh(BEFORE, 0.75))
    after = _build(builder, AFTER)
    _assert_same(after, _fresh(AFTER, 0.75))
    assert after.known_share(["旧词"]) == 0.0  # its id is kept, but nobody holds it now
    assert after.scores(["新词"]).argmax() == 3
    assert after.live_terms() == _fresh(AFTER, 0.75).live_terms()


def test_an_unchanged_corpus_reuses_the_channel() -> None:
    builder = Bm25Builder("names", b=0.3)
    first = _build(builder, BEFORE)
    assert _build(builder, dict(BEFORE)) is first
    # a new key whose terms are the same as before: still the same channel
    renamed = {("D2" if key == "D" else key): terms for key, terms in BEFORE.items()}
    assert _build(builder, renamed) is first
    assert _build(builder, AFTER) is not first


def test_a_vocabulary_mostly_of_gone_terms_is_rebuilt() -> None:
    builder = Bm25Builder("names", b=0.3)
    for round_ in range(6):
        documents = {f"K{round_}-{i}": [f"词{round_}-{i}", "共同"] for i in range(4)}
        channel = _build(builder, documents)
        _assert_same(channel, _fresh(documents, 0.3))
        assert channel.known_share([f"词{round_ - 1}-0"]) == 0.0
    # compacted: at most twice the live words plus one round's new ones, not all 6 rounds
    assert builder.vocabulary_size <= 2 * 5 + 4 < 6 * 4 + 1


def test_a_publish_ranks_as_a_fresh_retriever() -> None:
    matters = sample_matters()
    retriever = HybridRetriever()
    retriever.rebuild(matters)
    edited = matters[3].model_copy(
        update={"version": matters[3].version + 1, "aliases": ["全新别名测试"], "situations": []}
    )
    added = published(make_content("TS-9001", name="新增测试事项办理", aliases=["测新"]))
    after = [edited, *matters[:3], *matters[4:-1], added]  # one removed, one added, reordered
    retriever.rebuild(after)
    fresh = HybridRetriever()
    fresh.rebuild(after)
    for question in ["身份证丢了怎么补办", "全新别名测试", "新增测试事项", "户口签移要带什么"]:
        got = [(h.matter.code, h.score, h.channels) for h in retriever.search(question, k=8)]
        want = [(h.matter.code, h.score, h.channels) for h in fresh.search(question, k=8)]
        assert got == want, question


def test_bm25s_debug_lines_stay_off_the_configured_log():
    import logging

    import knowledge.index.bm25  # noqa: F401 - importing it imports bm25s

    assert logging.getLogger("bm25s").getEffectiveLevel() >= logging.WARNING
