"""Write a routing report as JSON and Markdown."""

from __future__ import annotations

from pathlib import Path

from evals.reports import write_json_and_markdown
from evals.runners.routing import RoutingReport


def routing_markdown(report: RoutingReport) -> str:
    """The report as a Markdown page: overall, per category, misses."""
    lines = [
        f"# Routing evaluation — {report.set_name}",
        "",
        f"Catalogue: {report.catalogue or 'service database'} ({report.matters} matters); "
        f"aliases stripped: {'yes' if report.aliases_stripped else 'no'}; "
        f"semantic channel: {report.semantic or 'n/a'}.",
        "",
        "| group | n | top-1 | top-3 | MRR | abstain | refused |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [("**overall**", report.overall), *report.by_category.items()]
    for name, s in rows:
        lines.append(
            f"| {name} | {s.count} | {s.top1:.1%} | {s.top3:.1%} | {s.mrr:.3f} "
            f"| {s.abstain_rate:.1%} | {s.refusal_rate:.1%} |"
        )
    lines += [
        "",
        f"Latency per turn: p50 {report.latency_p50_ms:.2f} ms, "
        f"p95 {report.latency_p95_ms:.2f} ms.",
        "",
        f"## Misses at top-1 ({len(report.misses)}, worst first)",
        "",
        "| category | outcome | rank | question (redacted) | expected | got (top 3) |",
        "|---|---|---:|---|---|---|",
    ]
    lines += [
        f"| {m.category} | {m.outcome} | {m.rank or '—'} | {m.question or '—'} "
        f"| {m.expected} | {', '.join(m.got) or '—'} |"
        for m in report.misses
    ]
    return "\n".join(lines) + "\n"


def write_routing_report(
    report: RoutingReport, out_dir: Path, stem: str = "routing"
) -> tuple[Path, Path]:
    """Write ``{stem}.json`` and ``{stem}.md`` into ``out_dir``; return both paths."""
    return write_json_and_markdown(report, routing_markdown(report), out_dir, stem)
