"""Writes the PII report as JSON, Markdown and HTML (with a recall chart)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from evals.reports.charts import bar_chart_png
from evals.runners.pii import PiiReport

TARGETS = {"CN_ID_CARD": 0.99, "CN_PHONE": 0.99, "BANK_CARD": 0.99, "PERSON": 0.90,
           "ADDRESS": 0.90}  # fmt: skip


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
            f"{'≥ ' + format(target, '.0%') if target else ''} | {s.predicted} | {s.precision:.1%} |"
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
    chart = bar_chart_png([s.type for s in report.types], [s.recall for s in report.types],
                          "Recall per type", 0.99)  # fmt: skip
    html_path.write_text(
        "<!doctype html><html><meta charset='utf-8'><title>daoban PII report</title><body>"
        f"<h1>PII detection</h1><img alt='recall' src='{chart}'><pre>{html.escape(markdown)}</pre>"
        "</body></html>",
        encoding="utf-8",
    )
    return json_path, md_path, html_path
