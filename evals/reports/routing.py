"""Write a routing report as JSON, Markdown and an HTML run page."""

from __future__ import annotations

from pathlib import Path

from evals.reports import write_json_and_markdown
from evals.reports.run_page import Chart, Metric, RunPage, Target, write_run_page
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


def routing_targets(report: RoutingReport) -> list[Target]:
    """Issue 8's targets, met or missed.

    A region's catalogue: top-1 ≥ 85 % and top-3 ≥ 95 %; the sample: top-1 ≥ 95 %; either:
    no question refused as unsafe.
    """
    o = report.overall
    if report.catalogue:
        targets = [
            Target(name="top-1（地区目录）", value=o.top1, bound="≥ 85 %", met=o.top1 >= 0.85),
            Target(name="top-3（地区目录）", value=o.top3, bound="≥ 95 %", met=o.top3 >= 0.95),
        ]
    else:
        targets = [
            Target(name="top-1（样例事项）", value=o.top1, bound="≥ 95 %", met=o.top1 >= 0.95)
        ]
    targets.append(
        Target(name="被当作不安全拒答", value=o.refusal_rate, bound="= 0", met=o.refusal_rate == 0)
    )
    return targets


def routing_page(report: RoutingReport) -> RunPage:
    """The run page of a routing report (see :mod:`evals.reports.run_page`)."""
    o = report.overall
    groups = sorted(report.by_category.items())
    return RunPage(
        title=f"路由评测 · {report.set_name}",
        kind="routing",
        subtitle=f"目录：{report.catalogue or '服务数据库'}（{report.matters} 个事项）；"
        f"语义通道：{report.semantic or '无'}；p95 {report.latency_p95_ms:.1f} ms",
        metrics=[
            Metric(name="top-1", value=o.top1),
            Metric(name="top-3", value=o.top3),
            Metric(name="MRR", value=o.mrr, percent=False),
            Metric(name="abstain rate", value=o.abstain_rate, higher_is_better=False),
            Metric(name="refusal rate", value=o.refusal_rate, higher_is_better=False),
            *(Metric(name=f"top-1 · {name}", value=s.top1) for name, s in groups),
        ],
        targets=routing_targets(report),
        charts=[
            Chart(title="各类问题 top-1", labels=[n for n, _ in groups],
                  values=[s.top1 for _, s in groups], target=0.85),
        ],
        failure_headers=["类别", "结果", "名次", "问题（已脱敏）", "应为", "实际前三"],
        failures=[
            [m.category, m.outcome, str(m.rank or "—"), m.question or "—", m.expected,
             ", ".join(m.got) or "—"]
            for m in report.misses
        ],
    )


def write_routing_report(
    report: RoutingReport, out_dir: Path, stem: str = "routing"
) -> tuple[Path, Path]:
    """Write ``{stem}.json``, ``{stem}.md`` and the run page ``{stem}.html`` into ``out_dir``.

    Returns:
        The JSON and Markdown paths (the HTML page sits beside them).
    """
    paths = write_json_and_markdown(report, routing_markdown(report), out_dir, stem)
    write_run_page(routing_page(report), out_dir, stem)
    return paths
