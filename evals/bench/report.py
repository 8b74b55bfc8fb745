"""Write a bench report as JSON and Markdown, and print its summary as a rich table."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.bench.models import BenchReport, RetrieverResult, TargetCheck
from evals.reports import write_json_and_markdown


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _retriever_row(label: str, r: RetrieverResult) -> str:
    a, f, s = r.accuracy, r.family_accuracy, r.search
    return (
        f"| {label} | {r.name} | {_pct(a.top1)} | {_pct(a.top3)} | {a.mrr:.3f} | "
        f"{_pct(f.top1)} | {s.p50_ms:.2f} | {s.p95_ms:.2f} | {r.build_s:.1f} |"
    )


def _verdict(check: TargetCheck) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[check.met]


def bench_markdown(report: BenchReport) -> str:
    """The report as a Markdown page: targets, turns per size, retrievers, HTTP, notes."""
    lines = [
        "# daoban bench",
        "",
        f"Machine: {report.machine}. Semantic channel "
        f"{'on' if report.semantic else 'off'}; dense channel: {report.dense_channel}.",
        "",
        "## Targets (issue 2)",
        "",
        "| target | goal | measured | verdict |",
        "|---|---|---:|---|",
    ]
    for check in report.targets:
        measured = "—" if check.measured is None else f"{check.measured:.1f} {check.unit}"
        lines.append(f"| {check.name} | {check.target} | {measured} | {_verdict(check)} |")
    lines += [
        "",
        "## Turn latency in process (full pipeline, each question once, after warm-up)",
        "",
        "Wall time and the thread's CPU time; the load average is the machine's 1-minute "
        "figure when the turns were timed (other work on the cores lengthens wall time).",
        "",
        "| size | matters | questions | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | mean ms "
        "| max ms | load | index build s | publish one s | RSS after build MB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report.sizes:
        t = s.turn
        publish = f"{s.publish_one_s:.2f}" if s.publish_one_s is not None else "—"
        if s.publish_one_cpu_s is not None:
            publish += f" (CPU {s.publish_one_cpu_s:.2f})"
        cpu50 = f"{t.cpu_p50_ms:.2f}" if t.cpu_p50_ms is not None else "—"
        cpu95 = f"{t.cpu_p95_ms:.2f}" if t.cpu_p95_ms is not None else "—"
        load = f"{s.load_average:.1f}" if s.load_average is not None else "—"
        lines.append(
            f"| {s.label} | {s.matters} | {s.questions or '—'} | {t.p50_ms:.2f} | "
            f"{t.p95_ms:.2f} | {cpu50} | {cpu95} | {t.mean_ms:.2f} | {t.max_ms:.2f} | {load} | "
            f"{s.daoban.build_s:.1f} | {publish} | {s.rss_after_build_mb:.0f} |"
        )
    lines += [
        "",
        "## Retrieval: daoban vs the LangChain default, same matters, same process",
        "",
        "Accuracy on the dev set; *family top-1* also counts a synthetic regional copy of the "
        "expected matter. Search latency per question.",
        "",
        "| size | retriever | top-1 | top-3 | MRR | family top-1 | p50 ms | p95 ms | build s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report.sizes:
        lines.append(_retriever_row(s.label, s.daoban))
        if s.langchain is not None:
            lines.append(_retriever_row(s.label, s.langchain))
    lines += ["", f"LangChain FAISS embeddings: {report.baseline_embeddings}.", ""]
    lines += ["## HTTP (POST /v1/ask over loopback)", ""]
    if report.http is None:
        lines.append("Not measured.")
    else:
        h = report.http
        lines += [
            f"{h.concurrency} concurrent clients for {h.duration_s:.1f} s against the service "
            f"holding {h.matters} matters: **{h.requests_per_s:.1f} requests/s**, "
            f"{h.requests} requests, {h.errors} errors; latency p50 {h.latency.p50_ms:.1f} ms, "
            f"p95 {h.latency.p95_ms:.1f} ms; start-up {h.startup_s:.1f} s; "
            f"**peak service memory {h.peak_rss_mb:.0f} MB**. Clients and service share the "
            "machine's cores.",
        ]
    lines += ["", f"Peak memory of the bench process itself: {report.peak_rss_bench_mb:.0f} MB."]
    if report.problems:
        lines += ["", "## Problems", "", *(f"- {p}" for p in report.problems)]
    return "\n".join(lines) + "\n"


def write_bench_report(report: BenchReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``bench.json`` and ``bench.md`` into ``out_dir``; return both paths."""
    return write_json_and_markdown(report, bench_markdown(report), out_dir, "bench")


def print_summary(report: BenchReport, console: Console) -> None:
    """Print the per-size table and the targets."""
    table = Table(title="daoban bench")
    for column in ("size", "turn p50", "turn p95", "CPU p95", "load", "search p95", "top-1",
                   "LangChain top-1", "LangChain p95", "RSS MB"):  # fmt: skip
        table.add_column(column, justify="right")
    for s in report.sizes:
        lc = s.langchain
        table.add_row(
            s.label,
            f"{s.turn.p50_ms:.1f} ms",
            f"{s.turn.p95_ms:.1f} ms",
            f"{s.turn.cpu_p95_ms:.1f} ms" if s.turn.cpu_p95_ms is not None else "—",
            f"{s.load_average:.1f}" if s.load_average is not None else "—",
            f"{s.daoban.search.p95_ms:.1f} ms",
            _pct(s.daoban.accuracy.top1),
            _pct(lc.accuracy.top1) if lc else "—",
            f"{lc.search.p95_ms:.1f} ms" if lc else "—",
            f"{s.rss_after_build_mb:.0f}",
        )
    console.print(table)
    if report.http is not None:
        h = report.http
        console.print(
            f"HTTP: {h.requests_per_s:.1f} req/s, p50 {h.latency.p50_ms:.1f} ms, "
            f"p95 {h.latency.p95_ms:.1f} ms, {h.errors} errors, peak RSS {h.peak_rss_mb:.0f} MB"
        )
    for t in report.targets:
        measured = "—" if t.measured is None else f"{t.measured:.1f} {t.unit}"
        colour = {True: "green", False: "red", None: "yellow"}[t.met]
        console.print(
            f"[{colour}]{_verdict(t).strip('*'):>12}[/{colour}]  {t.name}: "
            f"{measured} (target {t.target})"
        )
    for problem in report.problems:
        console.print(f"[red]problem:[/red] {problem}")
