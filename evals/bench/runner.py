"""Run the whole benchmark: in-process sizes, the LangChain baseline, HTTP, targets.

In process, one :class:`~assistant.runtime.Runtime` is built on a temporary SQLite database
(the bundled samples load on first start, as on a fresh install); for each size its retriever
is rebuilt on the grown knowledge base (:mod:`evals.bench.growth`), so the same pipeline the
service runs answers every turn. A real regional catalogue (``--catalogue``) is imported by
the product's importer into a runtime of its own (:func:`evals.catalogue.catalogue_runtime`,
as ``daoban eval routing --catalogue`` does) and timed on questions written about it. Passage
vectors are kept between runs by content hash (:mod:`evals.bench.vectors`), so the semantic
channel is on at every size without embedding 20,000 passages each run. The HTTP part starts
the real service separately (:mod:`evals.bench.http`).
"""

from __future__ import annotations

import gc
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.database import create_db_engine, migrate
from assistant.runtime import Runtime, build_runtime
from assistant.settings import Settings
from daoban.memory import release_free_memory
from evals.bench.growth import grow_matters
from evals.bench.http import ServiceStartError, run_http_bench
from evals.bench.langchain_baseline import LangChainBaseline, choose_embedder
from evals.bench.memory import own_peak_rss_mb, rss_mb
from evals.bench.models import BenchReport, HttpResult, SizeResult, TargetCheck
from evals.bench.ranking import score_retriever
from evals.bench.turn import measure_turns
from evals.bench.vectors import BENCH_VECTOR_CACHE, keep_vectors, seed_vectors
from evals.catalogue import catalogue_runtime, read_catalogue
from evals.datasets import DEV_ROUTING_SET, RoutingCase, read_routing_cases
from knowledge.models import Matter
from knowledge.retrieve import HybridRetriever

Progress = Callable[[str], None]

GD_TUNE_SET = DEV_ROUTING_SET.parent / "routing_gd_tune.jsonl"
"""Citizen questions over the real Guangdong catalogue (the tuned half, never the held-out)."""

SAMPLE_TUNE_SET = DEV_ROUTING_SET.parent / "routing_sample_tune.jsonl"
"""Questions over the sample, asked untimed before the dev set is timed (no shared text)."""

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
    catalogue: Path | None = Field(
        default=None, description="A regional catalogue file to import and time turns on"
    )
    catalogue_questions: Path = Field(
        default=GD_TUNE_SET, description="Questions written about that catalogue"
    )
    semantic: bool | None = Field(
        default=None, description="Force the semantic channel on or off; None: as configured"
    )
    vector_cache: Path | None = Field(
        default=BENCH_VECTOR_CACHE,
        description="SQLite file keeping passage vectors between runs; None embeds afresh",
    )


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


def _publish_one(retriever: HybridRetriever, matters: list[Matter]) -> tuple[float, float]:
    """Seconds (wall, process CPU) to re-index ``matters`` after one of them was published.

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
    started, started_cpu = time.perf_counter(), time.process_time()
    retriever.rebuild(updated)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    retriever.rebuild(matters)
    release_free_memory()
    return elapsed, cpu


def _targets(sizes: list[SizeResult], http: HttpResult | None) -> list[TargetCheck]:
    by_label = {s.label: s for s in sizes}

    def check(
        name: str, target: str, value: float | None, unit: str, ok: bool | None
    ) -> TargetCheck:
        return TargetCheck(name=name, target=target, measured=value, unit=unit, met=ok)

    sample = by_label.get("sample")
    ten_k = by_label.get("10000")
    catalogue = next((s for s in sizes if s.label.startswith("catalogue")), None)
    sample_p95 = sample.turn.p95_ms if sample else None
    ten_k_p95 = ten_k.turn.p95_ms if ten_k else None
    catalogue_p95 = catalogue.turn.p95_ms if catalogue else None
    publish = ten_k.publish_one_s if ten_k else None
    rps = http.requests_per_s if http else None
    peak = http.peak_rss_mb if http else None
    return [
        check("turn p95, in process, sample", "≤ 30 ms", sample_p95, "ms",
              None if sample_p95 is None else sample_p95 <= 30),
        check("turn p95, in process, real catalogue", "≤ 40 ms", catalogue_p95, "ms",
              None if catalogue_p95 is None else catalogue_p95 <= 40),
        check("turn p95, in process, 10k matters", "≤ 40 ms", ten_k_p95, "ms",
              None if ten_k_p95 is None else ten_k_p95 <= 40),
        check("publish one matter into the 10k index", "≤ 2 s", publish, "s",
              None if publish is None else publish <= 2),
        check("HTTP throughput, 16 clients", "≥ 150 req/s", rps, "req/s",
              None if rps is None else rps >= 150),
        check("peak memory of the service", "≤ 600 MB", peak, "MB",
              None if peak is None else peak <= 600),
    ]  # fmt: skip


def _with_semantic(settings: Settings, semantic: bool | None) -> Settings:
    if semantic is None:
        return settings
    knowledge = settings.knowledge.model_copy(update={"semantic_channel": semantic})
    return settings.model_copy(update={"knowledge": knowledge})


def _prepare_database(database_url: str, vector_cache: Path | None) -> None:
    """Migrate the bench's database and copy the kept passage vectors into it."""
    engine = create_db_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    if vector_cache is not None:
        seed_vectors(database_url, vector_cache)


def _measure(
    runtime: Runtime,
    label: str,
    matters: list[Matter],
    cases: list[RoutingCase],
    *,
    questions_label: str,
    warmup: list[str],
    build_s: float,
    say: Progress,
) -> SizeResult:
    """Publish one, turns (fresh query vectors: timed before the accuracy run), accuracy."""
    say(f"{label}: publishing one changed matter into the index")
    publish_s, publish_cpu_s = _publish_one(runtime.retriever, matters)
    # As a service worker holds its runtime (daoban.long_lived): what is built now is frozen,
    # so the collector's full passes during the timed turns do not rescan the index.
    gc.collect()
    gc.freeze()
    rss = rss_mb()
    say(f"{label}: turns and retrieval over {len(cases)} questions ({questions_label})")
    turn = measure_turns(runtime.pipeline, [c.question for c in cases], warmup=warmup)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    daoban = score_retriever(
        "daoban HybridRetriever",
        _codes(runtime.retriever, runtime.pipeline.top_k),
        cases,
        build_s=build_s,
    )
    return SizeResult(
        label=label,
        matters=len(matters),
        questions=questions_label,
        load_average=round(load, 2) if load is not None else None,
        rss_after_build_mb=round(rss, 1),
        turn=turn,
        daoban=daoban,
        publish_one_s=round(publish_s, 3),
        publish_one_cpu_s=round(publish_cpu_s, 3),
    )


def _catalogue_result(
    settings: Settings, options: BenchOptions, warmup: list[str], folder: Path, say: Progress
) -> SizeResult:
    """Import ``options.catalogue`` into a database of its own and measure it.

    Raises:
        OSError, ValueError: the catalogue or its questions cannot be read or imported.
    """
    assert options.catalogue is not None  # noqa: S101 - the caller checked
    cases = read_routing_cases(options.catalogue_questions)
    contents = read_catalogue(options.catalogue)
    database_url = f"sqlite:///{folder / 'catalogue.db'}"
    _prepare_database(database_url, options.vector_cache)
    say(f"catalogue: importing {len(contents)} matters of {options.catalogue.name}")
    started = time.perf_counter()
    try:
        with catalogue_runtime(contents, settings, database_url=database_url) as (
            runtime,
            refused,
        ):
            build_s = time.perf_counter() - started
            label = f"catalogue {options.catalogue.name}"
            if refused:
                say(f"catalogue: {len(refused)} matters left out by the content check")
            return _measure(
                runtime,
                label,
                runtime.retriever.matters(),
                cases,
                questions_label=options.catalogue_questions.name,
                warmup=warmup,
                build_s=build_s,
                say=say,
            )
    finally:
        gc.unfreeze()
        if options.vector_cache is not None:
            keep_vectors(database_url, options.vector_cache)


def run_bench(
    settings: Settings, options: BenchOptions, *, progress: Progress | None = None
) -> BenchReport:
    """Measure everything in ``options``; see the module docstring.

    Args:
        settings: the deployment's settings; the database is replaced by a temporary one.
        options: sizes, catalogue, semantic channel, HTTP window, baseline limit.
        progress: called with a short line before each step.

    Returns:
        The report; steps that failed are listed in ``problems``.
    """
    say = progress or (lambda _line: None)
    settings = _with_semantic(settings, options.semantic)
    cases = read_routing_cases(DEV_ROUTING_SET)
    questions = [c.question for c in cases]
    # warm-up turns ask questions that are not timed (their vectors would be cached)
    sizes_warmup = [c.question for c in read_routing_cases(SAMPLE_TUNE_SET)][: options.warmup]
    embedder, embeddings_note = choose_embedder(settings.knowledge.embedding_model_path)
    problems: list[str] = []
    results: list[SizeResult] = []
    dense_note = "not measured"
    with tempfile.TemporaryDirectory(prefix="daoban-bench-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        local = settings.model_copy(update={"database_url": database_url})
        _prepare_database(database_url, options.vector_cache)
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
                release_free_memory()  # as the service does after every rebuild
                result = _measure(
                    runtime,
                    label,
                    matters,
                    cases,
                    questions_label=DEV_ROUTING_SET.name,
                    warmup=sizes_warmup,
                    build_s=build_s,
                    say=say,
                )
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
                    result = result.model_copy(update={"langchain": langchain})
                results.append(result)
                del matters
                gc.unfreeze()  # this size's index may be collected once replaced
        finally:
            runtime.close()
            del runtime
            gc.unfreeze()
            gc.collect()
            release_free_memory()
            # kept even when interrupted: the next run embeds only what is still missing
            if options.vector_cache is not None:
                keep_vectors(database_url, options.vector_cache)
        if options.catalogue is not None:
            results.append(
                _catalogue_result(settings, options, questions[: options.warmup], Path(folder), say)
            )
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
                environment=(
                    {"DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL": str(options.semantic).lower()}
                    if options.semantic is not None
                    else None
                ),
                vector_cache=options.vector_cache,
            )
        except ServiceStartError as exc:
            problems.append(f"HTTP bench: the service did not start: {exc}")
    return BenchReport(
        machine=f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}",
        dense_channel=dense_note,
        semantic=settings.knowledge.semantic_channel,
        baseline_embeddings=embeddings_note,
        sizes=results,
        http=http,
        peak_rss_bench_mb=round(own_peak_rss_mb(), 1),
        targets=_targets(results, http),
        problems=problems,
    )
