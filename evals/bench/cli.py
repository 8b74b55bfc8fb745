"""``daoban bench``: latency, throughput, memory and the LangChain comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def bench(
    sizes: Annotated[
        str, typer.Option(help="Knowledge-base sizes: 'sample' and/or numbers, up to 200000")
    ] = "sample,1000,10000",
    http_seconds: Annotated[
        float, typer.Option(help="Seconds of HTTP load (16 clients); 0 skips it")
    ] = 10.0,
    http_matters: Annotated[
        int | None, typer.Option(help="Matters the HTTP service holds (default: the samples)")
    ] = None,
    baseline_max_size: Annotated[
        int, typer.Option(help="Largest size the LangChain baseline runs on")
    ] = 10000,
    out: Annotated[Path, typer.Option(help="Report folder (bench.json, bench.md)")] = Path(
        "reports"
    ),
) -> None:
    """Measure turn latency per knowledge-base size, HTTP throughput, memory; compare LangChain."""
    from assistant.logs import configure_logging
    from assistant.settings import load_settings
    from evals.bench.report import print_summary, write_bench_report
    from evals.bench.runner import BenchOptions, parse_sizes, run_bench

    try:
        parsed = parse_sizes(sizes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--sizes") from None
    settings = load_settings()
    configure_logging("WARNING")
    options = BenchOptions(
        sizes=parsed,
        http_seconds=http_seconds,
        http_matters=http_matters,
        baseline_max_size=baseline_max_size,
    )
    report = run_bench(settings, options, progress=lambda line: console.print(f"· {line}"))
    json_path, md_path = write_bench_report(report, out)
    print_summary(report, console)
    console.print(f"reports: {json_path} {md_path}")
