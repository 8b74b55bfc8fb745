"""Run the whole benchmark: in-process sizes, the LangChain baseline, HTTP, targets.

In process, one :class:`~assistant.runtime.Runtime` is built on a temporary SQLite database
(the bundled samples load on first start, as on a fresh install); for each size its retriever
is rebuilt on the grown knowledge base (:mod:`evals.bench.growth`), so the same pipeline the
service runs answers every turn. The HTTP part starts the real service separately
(:mod:`evals.bench.http`).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.runtime import build_runtime
from assistant.settings import Settings
from evals.bench.growth import grow_matters
from evals.bench.http import ServiceStartError, run_http_bench
from evals.bench.langchain_baseline import LangChainBaseline, choose_embedder
from evals.bench.memory import own_peak_rss_mb, rss_mb
from evals.bench.models import BenchReport, HttpResult, SizeResult, TargetCheck
from evals.bench.ranking import score_retriever
from evals.bench.turn import measure_turns
from evals.datasets import DEV_ROUTING_SET, read_routing_cases
from knowledge.models import Matter
from knowledge.retrieve import HybridRetriever

Progress = Callable[[str], None]

MAX_SIZE = 200_000
"""Largest synthetic knowledge base the bench accepts (matters)."""


class BenchOptions(BaseModel):
    """What to measure."""

    model_config = ConfigDict(frozen=True)

    sizes: list[int | None] = Field(
        default_factory=lambda: [None, 1000, 10000],
        description="Knowledge-base sizes in matters; None is the bundled sample set",
    )
    http_seconds: float = Field(default=10.0, ge=0, le=600, description="0 skips HTTP")
    http_concurrency: int = Field(default=16, ge=1, le=256)
    http_matters: int | None = Field(
        default=None, description="Matters the HTTP service holds; None: the samples"
    )
    baseline_max_size: int = Field(
        default=10000, ge=0, description="Largest size the LangChain baseline runs on"
    )
    warmup: int = Field(default=30, ge=0, description="Untimed turns before timing")


def parse_sizes(text: str) -> list[int | None]:
    """Parse ``"sample,1000,10000"`` (``sample`` is the bundled set), sorted, no repeats.

    Raises:
        ValueError: an item is neither ``sample`` nor a whole number in 1..200000.
    """
    sizes: set[int | None] = set()
    for item in (part.strip().lower() for part in text.split(",")):
        if not item:
            continue
        if item == "sample":
            sizes.add(None)
            continue
        try:
            number = int(item.replace("_", "").replace("k", "000"))
        except ValueError:
            raise ValueError(f"size {item!r} is not 'sample' or a number of matters") from None
        if not 1 <= number <= MAX_SIZE:
            raise ValueError(f"size {number} is outside 1..{MAX_SIZE}")
        sizes.add(number)
    if not sizes:
        raise ValueError("give at least one size")
    return sorted(sizes, key=lambda s: -1 if s is None else s)


def _codes(retriever: HybridRetriever, k: int) -> Callable[[str], list[str]]:
    def search(question: str) -> list[str]:
        return [hit.matter.code for hit in retriever.search(question, k=k)]

    return search


def _publish_one(retriever: HybridRetriever, matters: list[Matter]) -> float:
    """Seconds to re-index ``matters`` after one of them got a new published version.

    The new version carries a publication time as the store's would (the grown copies keep
    their sample's), so the index tells matters apart by code, version and time.
    """
    changed = matters[len(matters) // 2]
    edited = changed.model_copy(
        update={
            "version": changed.version + 1,
            "conditions": [*changed.conditions, "（基准测试：新增一条受理条件）"],
            "updated_at": datetime.now(UTC),
        }
    )
    updated = [edited if m.code == changed.code else m for m in matters]
    started = time.perf_counter()
    retriever.rebuild(updated)
    elapsed = time.perf_counter() - started
    retriever.rebuild(matters)
    return elapsed


def _targets(sizes: list[SizeResult], http: HttpResult | None) -> list[TargetCheck]:
    by_label = {s.label: s for s in sizes}

    def check(
        name: str, target: str, value: float | None, unit: str, ok: bool | None
    ) -> TargetCheck:
        return TargetCheck(name=name, target=target, measured=value, unit=unit, met=ok)

    sample = by_label.get("sample")
    ten_k = by_label.get("10000")
    sample_p95 = sample.turn.p95_ms if sample else None
    ten_k_p95 = ten_k.turn.p95_ms if ten_k else None
    publish = ten_k.publish_one_s if ten_k else None
    rps = http.requests_per_s if http else None
    peak = http.peak_rss_mb if http else None
    return [
        check("turn p95, in process, sample", "≤ 30 ms", sample_p95, "ms",
              None if sample_p95 is None else sample_p95 <= 30),
        check("turn p95, in process, 10k matters", "≤ 40 ms", ten_k_p95, "ms",
              None if ten_k_p95 is None else ten_k_p95 <= 40),
        check("publish one matter into the 10k index", "≤ 2 s", publish, "s",
              None if publish is None else publish <= 2),
        check("HTTP throughput, 16 clients", "≥ 150 req/s", rps, "req/s",
              None if rps is None else rps >= 150),
        check("peak memory of the service", "≤ 600 MB", peak, "MB",
              None if peak is None else peak <= 600),
    ]  # fmt: skip


def run_bench(
    settings: Settings, options: BenchOptions, *, progress: Progress | None = None
) -> BenchReport:
    """Measure everything in ``options``; see the module docstring.

    Args:
        settings: the deployment's settings; the database is replaced by a temporary one.
        options: sizes, HTTP window, baseline limit.
        progress: called with a short line before each step.

    Returns:
        The report; steps that failed are listed in ``problems``.
    """
    say = progress or (lambda _line: None)
    cases = read_routing_cases(DEV_ROUTING_SET)
    questions = [c.question for c in cases]
    embedder, embeddings_note = choose_embedder(settings.knowledge.embedding_model_path)
    problems: list[str] = []
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="daoban-bench-") as folder:
        local = settings.model_copy(
            update={"database_url": f"sqlite:///{Path(folder) / 'bench.db'}"}
        )
        say("building the runtime on a temporary SQLite database")
        runtime = build_runtime(local)
        try:
            base: list[Matter] = runtime.retriever.matters()
            if not base:
                raise RuntimeError("the runtime published no matters; check knowledge settings")
            dense = runtime.retriever.dense_status()
            dense_note = "live: " + dense.reason if dense.available else "off: " + dense.reason
            for size in options.sizes:
                label = "sample" if size is None else str(size)
                matters = base if size is None else grow_matters(base, max(size, len(base)))
                say(f"{label}: indexing {len(matters)} matters")
                started = time.perf_counter()
                runtime.retriever.rebuild(matters)
                build_s = time.perf_counter() - started
                say(f"{label}: publishing one changed matter into the index")
                publish_s = _publish_one(runtime.retriever, matters)
                rss = rss_mb()
                say(f"{label}: retrieval and turns over {len(cases)} dev questions")
                daoban = score_retriever(
                    "daoban HybridRetriever",
                    _codes(runtime.retriever, runtime.pipeline.top_k),
                    cases,
                    build_s=build_s,
                )
                turn = measure_turns(runtime.pipeline, questions, warmup=options.warmup)
                langchain = None
                if len(matters) <= options.baseline_max_size:
                    say(f"{label}: LangChain baseline")
                    baseline = LangChainBaseline(embedder, k=runtime.pipeline.top_k)
                    baseline.build(matters)
                    langchain = score_retriever(
                        "LangChain BM25(jieba)+FAISS Ensemble",
                        baseline.search,
                        cases,
                        build_s=baseline.build_s,
                        notes=embeddings_note,
                    )
                    del baseline
                results.append(
                    SizeResult(
                        label=label,
                        matters=len(matters),
                        rss_after_build_mb=round(rss, 1),
                        turn=turn,
                        daoban=daoban,
                        langchain=langchain,
                        publish_one_s=round(publish_s, 3),
                    )
                )
                del matters
        finally:
            runtime.close()
    http: HttpResult | None = None
    if options.http_seconds > 0:
        contents = None
        if options.http_matters is not None:
            grown = grow_matters(base, max(options.http_matters, len(base)))
            contents = [m.content() for m in grown]
            del grown
        say(f"HTTP: {options.http_concurrency} clients for {options.http_seconds:g} s")
        try:
            http = run_http_bench(
                questions,
                seconds=options.http_seconds,
                concurrency=options.http_concurrency,
                contents=contents,
            )
        except ServiceStartError as exc:
            problems.append(f"HTTP bench: the service did not start: {exc}")
    return BenchReport(
        machine=f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}",
        dense_channel=dense_note,
        baseline_embeddings=embeddings_note,
        sizes=results,
        http=http,
        peak_rss_bench_mb=round(own_peak_rss_mb(), 1),
        targets=_targets(results, http),
        problems=problems,
    )
