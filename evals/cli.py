"""``daoban eval``: evaluation runs that write JSON, Markdown (and HTML) reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evals.datasets import DEV_ROUTING_SET, DatasetError, read_routing_cases

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("routing")
def routing(
    ctx: typer.Context,
    set_path: Annotated[Path, typer.Option("--set", help="JSON lines: question, matter_code")] = DEV_ROUTING_SET,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
    min_top1: Annotated[float, typer.Option(help="Exit 1 when top-1 is below this")] = 0.0,
) -> None:
    """Route every question of the set; print top-1, top-3 and MRR; write routing.json/.md."""
    from evals.reports.routing import write_routing_report
    from evals.runners.routing import evaluate_routing

    try:
        cases = read_routing_cases(set_path)
    except (DatasetError, OSError) as exc:
        console.print(f"[red]cannot read the set: {exc}[/red]")
        raise typer.Exit(code=2) from None
    runtime = ctx.obj()
    try:
        report = evaluate_routing(set_path.name, cases, runtime.pipeline)
    finally:
        runtime.close()
    json_path, md_path = write_routing_report(report, out)
    o = report.overall
    console.print(
        f"{o.count} questions  top-1 {o.top1:.1%}  top-3 {o.top3:.1%}  MRR {o.mrr:.3f}  "
        f"p95 {report.latency_p95_ms:.1f} ms"
    )
    for name, s in report.by_category.items():
        console.print(f"  {name:<16} n={s.count:<4} top-1 {s.top1:.1%}  top-3 {s.top3:.1%}")
    console.print(f"reports: {json_path} {md_path}")
    if o.top1 < min_top1:
        raise typer.Exit(code=1)
