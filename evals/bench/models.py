"""Typed results of ``daoban bench``: one model per measurement, one report for the run."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class LatencySummary(_Frozen):
    """Latency percentiles of ``count`` timed operations, in milliseconds."""

    count: int = Field(ge=0)
    p50_ms: float = Field(ge=0)
    p95_ms: float = Field(ge=0)
    mean_ms: float = Field(ge=0)
    max_ms: float = Field(ge=0)
    cpu_p50_ms: float | None = Field(
        default=None, ge=0, description="CPU time of the thread, median (None: not measured)"
    )
    cpu_p95_ms: float | None = Field(
        default=None, ge=0, description="CPU time of the thread, 95th percentile"
    )


class Accuracy(_Frozen):
    """Routing accuracy of a ranking on the dev set (shares in [0, 1])."""

    top1: float = Field(ge=0, le=1)
    top3: float = Field(ge=0, le=1)
    mrr: float = Field(ge=0, le=1)


class RetrieverResult(_Frozen):
    """One retriever on one knowledge base: accuracy, search latency, build time."""

    name: str = Field(description="daoban HybridRetriever or the LangChain baseline")
    accuracy: Accuracy = Field(description="Exact matter code at rank 1 / within 3")
    family_accuracy: Accuracy = Field(
        description="A synthetic copy of the expected matter also counts (same family)"
    )
    search: LatencySummary = Field(description="One search call per dev-set question")
    build_s: float = Field(ge=0, description="Seconds to index the knowledge base")
    notes: str = ""


class SizeResult(_Frozen):
    """Everything measured in process on one knowledge-base size."""

    label: str = Field(description="'sample', the number of matters, or a catalogue file")
    matters: int = Field(ge=0)
    questions: str = Field(default="", description="The question set the turns were timed on")
    load_average: float | None = Field(
        default=None, ge=0, description="1-minute load average when the turns were timed"
    )
    rss_after_build_mb: float = Field(ge=0, description="Bench process RSS after indexing, MB")
    turn: LatencySummary = Field(description="Full pipeline turn (guard → retrieve → compose)")
    daoban: RetrieverResult
    langchain: RetrieverResult | None = Field(
        default=None, description="The LangChain default retrieval on the same matters"
    )
    publish_one_s: float | None = Field(
        default=None,
        description="Seconds to re-index after one matter changes (a publish): only that "
        "matter is derived and embedded again",
    )
    publish_one_cpu_s: float | None = Field(
        default=None, ge=0, description="CPU seconds of the process for that re-index"
    )


class HttpResult(_Frozen):
    """``POST /v1/ask`` against the real service in a subprocess, over loopback."""

    matters: int = Field(ge=0, description="Matters the service had published")
    concurrency: int = Field(ge=1)
    duration_s: float = Field(ge=0, description="Measured window, after warm-up")
    requests: int = Field(ge=0)
    errors: int = Field(ge=0, description="Non-200 responses and transport errors")
    requests_per_s: float = Field(ge=0)
    latency: LatencySummary
    startup_s: float = Field(ge=0, description="Process start until /health answered")
    peak_rss_mb: float = Field(ge=0, description="Peak resident memory of the service, MB")


class TargetCheck(_Frozen):
    """A target of issue 2 and whether the run met it (``None``: not measured)."""

    name: str
    target: str
    measured: float | None
    unit: str
    met: bool | None


class BenchReport(_Frozen):
    """The whole ``daoban bench`` run."""

    machine: str = Field(description="CPU count, Python, platform")
    dense_channel: str = Field(description="Whether daoban's dense channel was live, and why")
    semantic: bool = Field(default=True, description="Whether the semantic channel was asked for")
    baseline_embeddings: str = Field(description="What the LangChain FAISS side embeds with")
    sizes: list[SizeResult]
    http: HttpResult | None
    peak_rss_bench_mb: float = Field(ge=0, description="Peak RSS of the bench process, MB")
    targets: list[TargetCheck]
    problems: list[str] = Field(default_factory=list, description="Steps that failed, and why")
