"""Passage vectors are cached by content hash: a rebuild embeds only what changed."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.database import create_db_engine, make_sessionmaker, migrate
from knowledge.embeddings import HashingEmbedder
from knowledge.index.dense import DenseChannel
from knowledge.retrieve import HybridRetriever
from knowledge.vectors import MatterVectorCache, text_hash
from tests.factories import make_content, published


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the passages it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dimension=64)
        self.passages = 0

    def encode_passages(self, texts):
        self.passages += len(texts)
        return super().encode_passages(texts)


@pytest.fixture
def cache(tmp_path) -> MatterVectorCache:
    engine = create_db_engine(f"sqlite:///{tmp_path}/v.db")
    migrate(engine)
    return MatterVectorCache(make_sessionmaker(engine))


def test_cache_round_trip_keeps_float32_vectors(cache):
    vector = np.linspace(-1, 1, 64, dtype=np.float32)
    cache.save("m", {text_hash("护照"): vector})
    cache.save("m", {text_hash("护照"): vector * 0})  # an existing key is kept
    found = cache.load("m", [text_hash("护照"), text_hash("absent")])
    assert list(found) == [text_hash("护照")]
    assert found[text_hash("护照")].dtype == np.float32
    assert np.array_equal(found[text_hash("护照")], vector)
    assert cache.load("other-model", [text_hash("护照")]) == {}
    assert cache.count("m") == 1


def test_a_second_build_embeds_nothing_and_a_change_embeds_one(cache):
    embedder = CountingEmbedder()
    passages = ["普通护照换发", "居住证申领", "结婚登记"]
    DenseChannel(embedder, cache=cache).build(passages)
    assert embedder.passages == 3
    restarted = DenseChannel(embedder, cache=cache)  # a new process: memory empty
    restarted.build(passages)
    assert embedder.passages == 3 and restarted.embedded == 0
    restarted.build(["普通护照换发", "居住证申领（变更）", "结婚登记"])
    assert embedder.passages == 4 and restarted.embedded == 1


def test_retriever_publish_embeds_only_the_changed_matter(cache):
    embedder = CountingEmbedder()
    retriever = HybridRetriever(embedder=embedder, vector_cache=cache)
    retriever.warm_up()
    matters = [
        published(make_content(f"TS-00{n:02d}", name=f"测试事项{n}号办理")) for n in range(8)
    ]
    retriever.rebuild(matters)
    assert embedder.passages == 16  # two passages a matter: full, and names + department
    changed = published(make_content("TS-0003", name="测试事项3号变更办理"), version=2)
    retriever.rebuild([changed if m.code == "TS-0003" else m for m in matters])
    assert embedder.passages == 18
    hit = retriever.search("测试事项3号变更", k=1)[0]
    assert hit.matter.code == "TS-0003"
    assert hit.channels.dense is not None and hit.channels.dense_rank is not None


def test_a_matter_scores_the_mean_of_its_passages(cache):
    embedder = CountingEmbedder()
    channel = DenseChannel(embedder, cache=cache)
    channel.build([("普通护照换发", "护照"), ("居住证申领", "居住证")])
    single = DenseChannel(CountingEmbedder())
    single.build(["普通护照换发", "护照", "居住证申领", "居住证"])
    both = single.scores("护照过期")
    assert np.allclose(channel.scores("护照过期"), [both[:2].mean(), both[2:].mean()])
    with pytest.raises(ValueError, match="same number"):
        channel.build([("a", "b"), ("c",)])
