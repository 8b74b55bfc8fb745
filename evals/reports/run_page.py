"""One HTML page per evaluation run, compared with the previous run in the same folder.

The page shows charts in Chinese, the targets met and missed, the failing items (already
redacted by the runner), and the change of each headline metric since the previous run.

Each run also writes ``<stem>.run.json`` (the page's data); the next run into the same folder
reads it first and shows, per headline metric, the previous value and the change. Charts are
matplotlib PNGs drawn in Noto Sans CJK (:mod:`evals.reports.charts`), embedded in the page, so
the page is one self-contained file with no script.

Usage example::

    page = RunPage(title="路由评测", kind="routing", metrics=[Metric(name="top-1", value=0.8)])
    write_run_page(page, Path("out"), "routing")      # out/routing.html, out/routing.run.json
"""

from __future__ import annotations

import html
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.reports.charts import bar_chart_png

logger = logging.getLogger(__name__)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Metric(_Frozen):
    """A headline figure of the run."""

    name: str
    value: float
    percent: bool = Field(default=True, description="Shown as a percentage (value in 0–1)")
    higher_is_better: bool = True


class Target(_Frozen):
    """A target checked on the run: the value, the bound as text, met or missed."""

    name: str
    value: float
    bound: str
    met: bool


class Chart(_Frozen):
    """A horizontal bar chart of shares (0–1), with an optional target line."""

    title: str
    labels: list[str]
    values: list[float]
    target: float | None = None


class RunPage(_Frozen):
    """Everything one run's page shows."""

    title: str
    kind: str = Field(description="routing, pii, …: runs of the same kind are compared")
    subtitle: str = ""
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    metrics: list[Metric] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    charts: list[Chart] = Field(default_factory=list)
    failure_headers: list[str] = Field(default_factory=list)
    failures: list[list[str]] = Field(
        default_factory=list, description="Failing items, redacted before they get here"
    )
    max_failures: int = Field(default=300, description="Rows shown (all are counted)")


class MetricChange(_Frozen):
    """A metric against the previous run: previous value, change, better or worse."""

    name: str
    value: float
    previous: float | None
    change: float | None
    better: bool | None
    percent: bool


def compare(current: RunPage, previous: RunPage | None) -> list[MetricChange]:
    """Each metric of ``current`` with its change since ``previous`` (same name)."""
    before = {m.name: m.value for m in previous.metrics} if previous is not None else {}
    changes = []
    for m in current.metrics:
        old = before.get(m.name)
        delta = None if old is None else m.value - old
        better = None if delta is None or delta == 0 else (delta > 0) == m.higher_is_better
        changes.append(
            MetricChange(
                name=m.name,
                value=m.value,
                previous=old,
                change=delta,
                better=better,
                percent=m.percent,
            )
        )
    return changes


def previous_run(out_dir: Path, stem: str, kind: str) -> RunPage | None:
    """The page data of the last run of ``kind`` written as ``stem`` into ``out_dir``."""
    path = out_dir / f"{stem}.run.json"
    if not path.exists():
        return None
    try:
        page = RunPage.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, OSError, UnicodeDecodeError):
        logger.warning("previous run unreadable; no comparison", extra={"path": str(path)})
        return None
    return page if page.kind == kind else None


def _fmt(value: float | None, percent: bool, signed: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:.1%}" if percent else f"{sign}{value:.3f}"


_STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:1100px;"
    "margin:auto;padding:1rem;color:#1f2328}table{border-collapse:collapse;margin:.5rem 0}"
    "td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    ".met{color:#1a7f37}.missed{color:#cf222e;font-weight:bold}.better{color:#1a7f37}"
    ".worse{color:#cf222e}img{max-width:100%}"
)


def render_html(page: RunPage, previous: RunPage | None) -> str:
    """The page as one self-contained HTML document (every text escaped)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{e(page.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(page.title)}</h1>",
        f"<p>{e(page.subtitle)}</p>" if page.subtitle else "",
        f"<p>生成时间 {e(page.generated_at.isoformat(timespec='seconds'))}",
        (
            f" · 上次运行 {e(previous.generated_at.isoformat(timespec='seconds'))}</p>"
            if previous is not None
            else " · 本目录中没有上次运行</p>"
        ),
    ]
    met = sum(t.met for t in page.targets)
    parts.append(f"<h2>目标（达成 {met} / {len(page.targets)}）</h2>")
    if page.targets:
        parts.append("<table><tr><th>目标</th><th>实测</th><th>要求</th><th>结果</th></tr>")
        for t in page.targets:
            verdict = (
                "<span class='met'>达成</span>" if t.met else "<span class='missed'>未达成</span>"
            )
            parts.append(
                f"<tr><td>{e(t.name)}</td><td>{_fmt(t.value, True)}</td>"
                f"<td>{e(t.bound)}</td><td>{verdict}</td></tr>"
            )
        parts.append("</table>")
    parts.append(
        "<h2>主要指标与上次运行比较</h2><table><tr><th>指标</th><th>本次</th>"
        "<th>上次</th><th>变化</th></tr>"
    )
    for c in compare(page, previous):
        css = "" if c.better is None else ("better" if c.better else "worse")
        parts.append(
            f"<tr><td>{e(c.name)}</td><td>{_fmt(c.value, c.percent)}</td>"
            f"<td>{_fmt(c.previous, c.percent)}</td>"
            f"<td class='{css}'>{_fmt(c.change, c.percent, signed=True)}</td></tr>"
        )
    parts.append("</table>")
    for chart in page.charts:
        if chart.labels:
            src = bar_chart_png(chart.labels, chart.values, chart.title, chart.target)
            parts.append(f"<h2>{e(chart.title)}</h2><img alt='{e(chart.title)}' src='{src}'>")
    parts.append(f"<h2>未通过的条目（{len(page.failures)}，已脱敏）</h2>")
    if page.failures:
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in page.failure_headers))
        parts.append("</tr>")
        for row in page.failures[: page.max_failures]:
            parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>")
        parts.append("</table>")
        if len(page.failures) > page.max_failures:
            parts.append(f"<p>仅显示前 {page.max_failures} 条。</p>")
    else:
        parts.append("<p>没有未通过的条目。</p>")
    parts.append("</body></html>")
    return "".join(parts)


def write_run_page(page: RunPage, out_dir: Path, stem: str) -> Path:
    """Write ``<stem>.html`` (compared with the previous run) and ``<stem>.run.json``.

    Returns:
        The HTML file's path.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = previous_run(out_dir, stem, page.kind)
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(render_html(page, previous), encoding="utf-8")
    (out_dir / f"{stem}.run.json").write_text(
        json.dumps(page.model_dump(mode="json"), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return html_path
