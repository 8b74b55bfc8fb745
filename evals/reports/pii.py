"""Writes the PII report as JSON, Markdown and an HTML run page (charts, targets, change)."""

from __future__ import annotations

import json
from pathlib import Path

from evals.reports.run_page import Chart, Metric, RunPage, Target, write_run_page
from evals.runners.pii import PiiReport

TARGETS = {"CN_ID_CARD": 0.99, "CN_PHONE": 0.99, "BANK_CARD": 0.99, "PERSON": 0.90,
           "ADDRESS": 0.90}


def render_markdown(report: PiiReport) -> str:
    """The Markdown report."""
    lines = [
        "# PII detection evaluation (GB/T 47483 §9.4.1 d)",
        "",
        f"Sets: {', '.join(report.sets)} · {report.texts} texts · texts without PII flagged: "
        f"{report.false_positive_texts} · p95 {report.latency_p95_ms:.3f} ms per text",
        "",
        "| type | gold | found | recall | target | predicted | precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in report.types:
        target = TARGETS.get(s.type)
        lines.append(
            f"| {s.type} | {s.gold} | {s.found} | {s.recall:.1%} | "
            f"{'≥ ' + format(target, '.0%') if target else ''} | {s.predicted} | {s.precision:.1%} |"  # noqa: E501 - data/regex/table row kept on one line
        )
    return "\n".join(lines) + "\n"


def write_pii_report(report: PiiReport, out: Path) -> tuple[Path, Path, Path]:
    """Write ``pii.json``, ``pii.md`` and ``pii.html`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path, html_path = out / "pii.json", out / "pii.md", out / "pii.html"
    payload = report.model_dump(mode="json")  # types carry their computed recall, precision
    json_path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = render_markdown(report)
    md_path.write_text(markdown, encoding="utf-8")
    html_path = write_run_page(pii_page(report), out, "pii")
    return json_path, md_path, html_path


def pii_page(report: PiiReport) -> RunPage:
    """The run page: recall and precision per type, targets, change since the last run."""
    return RunPage(
        title="个人信息识别评测（GB/T 47483 9.4.1 d）",
        kind="pii",
        subtitle=f"评测集：{', '.join(report.sets)} · {report.texts} 条 · "
        f"无个人信息却被标记 {report.false_positive_texts} 条 · p95 {report.latency_p95_ms:.3f} ms",
        metrics=[
            *(Metric(name=f"recall · {s.type}", value=s.recall) for s in report.types),
            *(Metric(name=f"precision · {s.type}", value=s.precision) for s in report.types),
        ],
        targets=[
            Target(name=f"{s.type} 召回率", value=s.recall, bound=f"≥ {TARGETS[s.type]:.0%}",
                   met=s.recall >= TARGETS[s.type])
            for s in report.types
            if s.type in TARGETS
        ],
        charts=[
            Chart(title="各类个人信息召回率", labels=[s.type for s in report.types],
                  values=[s.recall for s in report.types], target=0.99),
            Chart(title="各类个人信息精确率", labels=[s.type for s in report.types],
                  values=[s.precision for s in report.types]),
        ],
        failure_headers=["类型", "标注", "识别", "漏识别"],
        failures=[
            [s.type, str(s.gold), str(s.found), str(s.gold - s.found)]
            for s in report.types
            if s.found < s.gold
        ],
    )
