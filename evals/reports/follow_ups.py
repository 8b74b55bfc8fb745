"""Write a follow-up evaluation report as JSON and Markdown."""

from __future__ import annotations

from pathlib import Path

from evals.reports import write_json_and_markdown
from evals.runners.follow_ups import FollowUpReport, FollowUpScores


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def follow_up_markdown(report: FollowUpReport) -> str:
    """The report as a Markdown page: overall and per style, then the misses (redacted)."""
    lines = [
        f"# Follow-up evaluation — {report.set_name}",
        "",
        f"Semantic channel: {report.semantic or 'n/a'}.",
        "",
        "| group | n | kept on topic | switched correctly | element answered | first turn right |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows: list[tuple[str, FollowUpScores]] = [("**overall**", report.overall)]
    rows += list(report.by_style.items())
    for name, s in rows:
        lines.append(
            f"| {name} | {s.count} | {_pct(s.kept)} ({s.stay}) | {_pct(s.switched)} ({s.switch}) "
            f"| {_pct(s.element)} ({s.elements}) | {_pct(s.first_right)} |"
        )
    lines += [
        "",
        f"## Misses ({len(report.misses)})",
        "",
        "| id | style | expect | follow-up (redacted) | first turn | expected | got | reason |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {m.case_id} | {m.style} | {m.expect} | {m.follow_up or '—'} | {m.first_got or '—'} "
        f"| {', '.join(m.expected)} | {m.got or '—'} | {m.reason_code or ''} |"
        for m in report.misses
    ]
    return "\n".join(lines) + "\n"


def write_follow_up_report(report: FollowUpReport, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``{stem}.json`` and ``{stem}.md`` into ``out_dir``; return both paths."""
    return write_json_and_markdown(report, follow_up_markdown(report), out_dir, stem)
