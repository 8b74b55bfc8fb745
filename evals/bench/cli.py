"""``daoban bench``: latency, throughput, memory and the LangChain comparison."""

from __future__ import annotations

import os
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
    catalogue: Annotated[
        Path | None,
        typer.Option(
            help="A real catalogue file (e.g. ../shared/realdata/matters_guangdong.jsonl) to "
            "import as daoban kb import does and time turns on, with --catalogue-questions"
        ),
    ] = None,
    catalogue_questions: Annotated[
        Path | None,
        typer.Option(
            help="Questions about that catalogue (JSON lines with question + gold_codes); "
            "default: evals/data/routing_gd_tune.jsonl"
        ),
    ] = None,
    semantic: Annotated[
        bool | None,
        typer.Option("--semantic/--no-semantic", help="Force the semantic channel on or off"),
    ] = None,
    vector_cache: Annotated[
        Path,
        typer.Option(help="SQLite file keeping passage vectors between runs (by content hash)"),
    ] = Path("var/cache/bench/vectors.db"),
    fresh_vectors: Annotated[
        bool, typer.Option(help="Embed every passage again instead of using --vector-cache")
    ] = False,
) -> None:
    """Measure turn latency per knowledge-base size, HTTP throughput, memory; compare LangChain.

    With --catalogue also a real regional catalogue, imported into its own database and timed
    on questions written about it. Turns report wall and CPU time and the load average.
    """
    from assistant.logs import configure_logging
    from assistant.settings import load_settings
    from evals.bench.report import print_summary, write_bench_report
    from evals.bench.runner import GD_TUNE_SET, BenchOptions, parse_sizes, run_bench

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
        catalogue=catalogue,
        catalogue_questions=catalogue_questions or GD_TUNE_SET,
        semantic=semantic,
        vector_cache=None if fresh_vectors else vector_cache,
    )
    report = run_bench(settings, options, progress=lambda line: console.print(f"· {line}"))
    json_path, md_path = write_bench_report(report, out)
    print_summary(report, console)
    console.print(f"reports: {json_path} {md_path}")


def loadtest(
    kiosks: Annotated[int, typer.Option(min=1, max=500, help="Simulated kiosks")] = 50,
    seconds: Annotated[
        float, typer.Option(min=1, max=180, help="Measured window (at most 3 minutes)")
    ] = 60.0,
    workers: Annotated[
        int, typer.Option(min=1, max=32, help="Workers of the service started for the test")
    ] = 4,
    url: Annotated[
        str | None, typer.Option(help="Test a running service instead (loopback URL only)")
    ] = None,
    think_ms: Annotated[float, typer.Option(min=0, help="Pause between a kiosk's turns")] = 0.0,
    out: Annotated[Path | None, typer.Option(help="Also write the result as JSON here")] = None,
) -> None:
    """Bounded load test: kiosks holding dialogues (questions + follow-ups) over loopback.

    Without --url it starts ``daoban serve --workers N`` on a free 127.0.0.1 port with this
    environment (the configured database; PostgreSQL + DAOBAN_REDIS_URL for several workers)
    and stops it afterwards. Prints req/s, p50/p95/p99, errors, follow-ups kept and memory.
    """
    from evals.bench.http import ServiceStartError
    from evals.bench.load import LoadOptions, run_load_test

    options = LoadOptions(
        kiosks=kiosks, seconds=seconds, workers=workers, url=url, think_ms=think_ms
    )
    try:
        result = run_load_test(options)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--url") from None
    except ServiceStartError as exc:
        console.print(f"[red]service did not start: {exc}[/red]")
        raise typer.Exit(code=2) from None
    lat = result.latency
    console.print(
        f"{result.kiosks} kiosks · {result.workers or 'running'} workers · "
        f"{result.requests} requests in {result.duration_s} s = {result.requests_per_s} req/s · "
        f"p50 {lat.p50_ms} ms · p95 {lat.p95_ms} ms · p99 {lat.p99_ms} ms · "
        f"errors {result.errors} {result.error_kinds or ''}· "
        f"follow-ups kept {result.follow_ups_kept}/{result.follow_ups} · "
        f"service RSS {result.service_rss_mb} MB (peak {result.service_peak_rss_mb})"
        + (f" · start-up {result.startup_s} s" if result.startup_s is not None else "")
        + (f" · CPU per request: service {result.service_cpu_ms_per_request} ms"
           if result.service_cpu_ms_per_request is not None else " · CPU per request:")
        + f" client {result.client_cpu_ms_per_request} ms · load average "
        f"{result.load_average[0]} → {result.load_average[1]} ({os.cpu_count()} CPUs)"
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"wrote {out}")
    if result.errors:
        raise typer.Exit(code=1)
