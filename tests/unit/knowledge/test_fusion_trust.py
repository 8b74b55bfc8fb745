"""Fusion of the lexical and dense channels: lexical trust and the English glossary gist."""

from __future__ import annotations

import numpy as np
import pytest

import knowledge.retrieve as retrieve
from knowledge.embeddings import ComponentStatus
from knowledge.retrieve import (
    GLOSS_WEIGHT,
    LEXICAL_TRUST_COVERAGE,
    LEXICAL_TRUST_FLOOR,
    HybridRetriever,
    lexical_trust,
)
from knowledge.thesaurus import Thesaurus
from tests.factories import make_content, published

CONCEPTS = {
    # a model that knows meaning: words of one concept share a dimension, in any language
    "职业病": 0,
    "跟工作没关系": 0,
    "不服": 0,
    "医师": 1,
    "肺脏移植": 2,
    "结婚": 3,
    "护照": 4,
    "签注": 5,
    "renew": 5,
    "居住证": 6,
}
ENGLISH = 7
"""An English text's own dimension: cross-lingual cosines run lower, as e5's do."""


class ConceptEmbedder:
    """Vectors counting the concepts a text names (tests only): meaning, not spelling."""

    dimension = 8
    model_id = "concepts:8"

    def status(self) -> ComponentStatus:
        return ComponentStatus(available=True, reason="concept embedder (tests only)")

    def warm_up(self) -> ComponentStatus:
        return self.status()

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word, concept in CONCEPTS.items():
                out[row, concept] += text.lower().count(word)
            if text.isascii():
                out[row, ENGLISH] += 3.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)


def _official(code: str, name: str, department: str = "省卫生健康委员会"):
    """A real-catalogue matter: its official name only, no hand-written or English names."""
    return published(
        make_content(
            code, name=name, department=department, aliases=[], colloquial_names=[],
            situations=[], english_name="", english_aliases=[],
        )
    )  # fmt: skip


def _retriever(matters, *, thesaurus: Thesaurus | None = None) -> HybridRetriever:
    retriever = HybridRetriever(embedder=ConceptEmbedder(), thesaurus=thesaurus)
    retriever.rebuild(matters)
    return retriever


def test_lexical_trust_falls_with_the_share_the_words_explain():
    assert lexical_trust(0.0) == LEXICAL_TRUST_FLOOR
    assert lexical_trust(LEXICAL_TRUST_COVERAGE) == 1.0
    assert lexical_trust(1.0) == 1.0
    shares = [lexical_trust(c / 20) for c in range(21)]
    assert shares == sorted(shares)


NEED_MATTERS = [
    _official("TS-0001", "人体器官肺脏移植医师执业资格认定"),
    _official("TS-0002", "职业病诊断鉴定"),
    _official("TS-0003", "结婚登记", department="民政厅"),
]


def _margin(retriever: HybridRetriever, question: str, winner: str, loser: str) -> float:
    scores = {h.matter.code: h.score for h in retriever.search(question, k=3)}
    return scores[winner] - scores.get(loser, 0.0)


def test_a_need_question_matched_on_stray_words_leans_on_the_dense_channel(monkeypatch):
    # Only 医师 is said in the words of a matter (the transplant doctors' licence); the
    # question's meaning (an occupational disease dispute) is the dense channel's.
    question = "医师说我的肺病跟工作没关系，我不服"
    retriever = _retriever(NEED_MATTERS)
    hits = retriever.search(question, k=3)
    assert hits[0].matter.code == "TS-0002"
    assert hits[0].channels.dense_rank == 1
    lexical_best = max(hits, key=lambda h: h.channels.names)
    assert lexical_best.matter.code == "TS-0001" and lexical_best.coverage < 0.4
    trusted = _margin(retriever, question, "TS-0002", "TS-0001")
    monkeypatch.setattr(retrieve, "LEXICAL_TRUST_FLOOR", 1.0)  # words at full weight
    assert _margin(retriever, question, "TS-0002", "TS-0001") < trusted


def test_a_question_its_words_explain_keeps_the_lexical_weight(monkeypatch):
    retriever = _retriever(NEED_MATTERS)
    question = "职业病诊断鉴定"
    before = [(h.matter.code, h.score) for h in retriever.search(question, k=3)]
    assert before[0][0] == "TS-0002"
    monkeypatch.setattr(retrieve, "LEXICAL_TRUST_FLOOR", 1.0)
    assert [(h.matter.code, h.score) for h in retriever.search(question, k=3)] == before


PASSPORT_MATTERS = [
    _official("TS-0011", "普通护照换发", department="公安厅出入境管理局"),
    _official("TS-0012", "居住证签注", department="公安厅"),
    _official("TS-0013", "结婚登记", department="民政厅"),
]


def _dense(retriever: HybridRetriever, question: str) -> dict[str, float | None]:
    return {h.matter.code: h.channels.dense for h in retriever.search(question, k=3)}


def test_an_english_question_is_also_compared_through_its_glossary_gist():
    # The model does not know "passport" in English; the glossary's 护照 it knows.
    question = "How do I renew my passport?"
    thesaurus = Thesaurus.load()
    assert thesaurus.gloss(question) == ["护照", "换发"]
    plain = _retriever(PASSPORT_MATTERS).search(question, k=3)
    assert plain[0].matter.code == "TS-0012"  # the English words alone mislead
    glossed = _retriever(PASSPORT_MATTERS, thesaurus=thesaurus).search(question, k=3)
    assert glossed[0].matter.code == "TS-0011"
    assert glossed[0].channels.dense_rank == 1
    embedder = ConceptEmbedder()
    asked, gist = embedder.encode_queries([question, "护照 换发"])
    passport = embedder.encode_passages(["普通护照换发"])[0]
    expected = (float(asked @ passport) + GLOSS_WEIGHT * float(gist @ passport)) / (
        1 + GLOSS_WEIGHT
    )
    assert glossed[0].channels.dense == pytest.approx(expected, abs=1e-6)


def test_a_chinese_question_has_no_gist():
    question = "护照过期了怎么换"
    thesaurus = Thesaurus.load()
    plain = _dense(_retriever(PASSPORT_MATTERS), question)
    glossed = _dense(_retriever(PASSPORT_MATTERS, thesaurus=thesaurus), question)
    both = plain.keys() & glossed.keys()
    assert "TS-0011" in both
    assert {c: glossed[c] for c in both} == pytest.approx({c: plain[c] for c in both})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("How do I renew my passport?", ["护照", "换发"]),
        ("HOW DO I GET AN ID CARD", ["居民身份证"]),
        ("Tell me a joke", []),
        ("My idle hands", []),  # whole words only: "id" is not in "idle"
        ("护照过期了", []),
    ],
)
def test_gloss_reads_whole_english_words(text, words):
    assert Thesaurus.load().gloss(text) == words
