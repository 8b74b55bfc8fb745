"""Passage vectors are cached by content hash: a rebuild embeds only what changed."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.database import create_db_engine, make_sessionmaker, migrate
from knowledge.embeddings import HashingEmbedder
from knowledge.index.dense import PASSAGE_ROLE, QUERY_ROLE, VIEW_ROLES, DenseChannel, view_key
from knowledge.retrieve import HybridRetriever
from knowledge.vectors import MatterVectorCache, text_hash
from tests.factories import make_content, published


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it embeds in each role.

    Its symmetric (query-role) vectors are the passage vectors negated, so a test can tell
    which role embedded a text.
    """

    def __init__(self) -> None:
        super().__init__(dimension=64)
        self.passages = 0
        self.symmetric = 0

    def encode_passages(self, texts):
        self.passages += len(texts)
        return HashingEmbedder.encode(self, texts)

    def encode(self, texts):
        self.symmetric += len(texts)
        return -HashingEmbedder.encode(self, texts)


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
    # two views a matter: the full passage, and names + department in the query role
    assert (embedder.passages, embedder.symmetric) == (8, 8)
    changed = published(make_content("TS-0003", name="测试事项3号变更办理"), version=2)
    retriever.rebuild([changed if m.code == "TS-0003" else m for m in matters])
    assert (embedder.passages, embedder.symmetric) == (9, 9)
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


def test_view_keys_keep_passage_hashes_and_separate_the_query_role():
    assert view_key("护照") == text_hash("护照")
    assert view_key("护照", PASSAGE_ROLE) == text_hash("护照")
    assert view_key("护照", QUERY_ROLE) == text_hash("query: 护照")
    with pytest.raises(ValueError, match="unknown embedding role"):
        view_key("护照", "title")


def test_a_query_role_view_is_embedded_symmetrically_and_cached_under_its_own_key(cache):
    embedder = CountingEmbedder()
    channel = DenseChannel(embedder, cache=cache)
    # the same text as a passage of one matter and as the name view of another
    channel.build([("普通护照换发", "护照"), ("护照", "居住证")], roles=VIEW_ROLES)
    assert (embedder.passages, embedder.symmetric) == (2, 2)
    passage = HashingEmbedder(64).encode_passages(["护照"])[0]
    stored = cache.load(embedder.model_id, [view_key("护照"), view_key("护照", QUERY_ROLE)])
    assert np.allclose(stored[view_key("护照")], passage)
    assert np.allclose(stored[view_key("护照", QUERY_ROLE)], -passage)
    restarted = DenseChannel(embedder, cache=cache)
    restarted.build([("普通护照换发", "护照"), ("护照", "居住证")], roles=VIEW_ROLES)
    assert restarted.embedded == 0 and (embedder.passages, embedder.symmetric) == (2, 2)
    with pytest.raises(ValueError, match="1 roles for 2 views"):
        restarted.build([("a", "b")], roles=(QUERY_ROLE,))
