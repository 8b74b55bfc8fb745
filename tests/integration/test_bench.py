import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from knowledge.importers import BUNDLED_SAMPLES_DIR as SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_bench_at_sample_size_writes_every_figure(tmp_path, monkeypatch):
    monkeypatch.delenv("DAOBAN_KNOWLEDGE__EMBEDDING_MODEL_PATH", raising=False)
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app,
        ["bench", "--sizes", "sample", "--http-seconds", "2", "--out", str(out),
         "--vector-cache", str(tmp_path / "vectors.db")],
    )  # fmt: skip
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


def test_bench_times_turns_on_an_imported_catalogue_with_its_own_questions(tmp_path, monkeypatch):
    monkeypatch.delenv("DAOBAN_KNOWLEDGE__EMBEDDING_MODEL_PATH", raising=False)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps({"question": q, "gold_codes": [c], "style": "plain"}, ensure_ascii=False)
            for q, c in [("身份证丢了怎么补办", "HJ-0004"), ("户口签移要带什么", "HJ-0008")]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app,
        ["bench", "--sizes", "sample", "--http-seconds", "0", "--baseline-max-size", "0",
         "--catalogue", str(SAMPLES), "--catalogue-questions", str(questions),
         "--no-semantic", "--vector-cache", str(tmp_path / "vectors.db"), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert report["semantic"] is False
    assert report["dense_channel"].startswith("off")
    sample, catalogue = report["sizes"]
    assert catalogue["label"] == f"catalogue {SAMPLES.name}"
    assert catalogue["matters"] == sample["matters"]  # the same matters, imported
    assert catalogue["questions"] == "questions.jsonl"
    assert catalogue["turn"]["count"] == 2
    assert catalogue["turn"]["cpu_p95_ms"] > 0
    assert catalogue["load_average"] is not None
    assert catalogue["daoban"]["accuracy"]["top1"] == 1.0
    assert catalogue["publish_one_s"] is not None
    real = next(t for t in report["targets"] if t["name"].endswith("real catalogue"))
    assert real["measured"] == catalogue["turn"]["p95_ms"]
    assert (tmp_path / "vectors.db").is_file()
    assert "CPU p95 ms" in (out / "bench.md").read_text(encoding="utf-8")
