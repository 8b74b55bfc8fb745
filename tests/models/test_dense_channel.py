"""The dense channel's real code: sentence-transformers loading and encoding, FAISS search.

No Chinese embedding model can be downloaded here, so the test builds a tiny BERT with a
character vocabulary, wraps it as a sentence-transformers model, saves it to a folder and
points the configuration at that folder — exactly what a deployment does with bge-small-zh.
"""

from __future__ import annotations

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("faiss")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    from tests.factories import sample_matters

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bert")
    chars = sorted({c for m in sample_matters() for name in m.names for c in name})
    (folder / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]), encoding="utf-8"
    )
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(chars) + 5, hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(folder)
    transformer = Transformer(str(folder), max_seq_length=64)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st_dir = tmp_path_factory.mktemp("st-model")
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(st_dir))
    return st_dir


def test_embedder_loads_and_encodes_unit_vectors(tiny_model_dir):
    import numpy as np

    from knowledge.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(tiny_model_dir)
    assert embedder.warm_up().available
    vectors = embedder.encode(["居住证", "身份证补领"])
    assert vectors.shape == (2, embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_retriever_fuses_the_dense_channel(tiny_model_dir):
    from knowledge.embeddings import SentenceTransformerEmbedder
    from knowledge.retrieve import HybridRetriever
    from tests.factories import sample_matters

    retriever = HybridRetriever(embedder=SentenceTransformerEmbedder(tiny_model_dir))
    retriever.warm_up()
    retriever.rebuild(sample_matters())
    assert retriever.dense_status().available
    hits = retriever.search("身份证丢了怎么补办", k=3)
    assert hits[0].channels.dense is not None
    assert hits[0].matter.code == "HJ-0004"


def test_missing_model_falls_back_honestly(tmp_path):
    from knowledge.embeddings import SentenceTransformerEmbedder

    status = SentenceTransformerEmbedder(tmp_path / "absent").warm_up()
    assert not status.available
    assert "model not found at" in status.reason


def test_health_reports_the_live_dense_channel(tiny_model_dir, tmp_path):
    from fastapi.testclient import TestClient

    from assistant.app import create_app
    from assistant.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/d.db",
        knowledge={"embedding_model_path": str(tiny_model_dir), "semantic_channel": True},
    )
    with TestClient(create_app(settings)) as client:
        dense = client.get("/health").json()["components"]["retrieval.dense"]
    assert dense["available"] is True
