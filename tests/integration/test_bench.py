import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_bench_at_sample_size_writes_every_figure(tmp_path, monkeypatch):
    monkeypatch.delenv("DAOBAN_KNOWLEDGE__EMBEDDING_MODEL_PATH", raising=False)
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app, ["bench", "--sizes", "sample", "--http-seconds", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output

    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    [sample] = report["sizes"]
    assert sample["label"] == "sample"
    assert sample["matters"] >= 80
    assert sample["turn"]["count"] >= 300
    assert 0 < sample["turn"]["p50_ms"] <= sample["turn"]["p95_ms"]
    assert sample["daoban"]["accuracy"]["top1"] > 0.5
    baseline = sample["langchain"]
    assert baseline["name"].startswith("LangChain")
    assert 0 < baseline["accuracy"]["top3"] <= 1
    assert "HashingEmbedder" in report["baseline_embeddings"]

    http = report["http"]
    assert http["requests"] > 0
    assert http["errors"] == 0
    assert http["requests_per_s"] > 0
    assert http["concurrency"] == 16
    assert http["peak_rss_mb"] > 50
    assert http["matters"] == sample["matters"]
    assert report["peak_rss_bench_mb"] > 0
    assert [t["name"] for t in report["targets"]][0].startswith("turn p95")
    assert report["problems"] == []

    markdown = (out / "bench.md").read_text(encoding="utf-8")
    assert "## Targets" in markdown
    assert "LangChain BM25(jieba)+FAISS Ensemble" in markdown
    assert "requests/s" in markdown
