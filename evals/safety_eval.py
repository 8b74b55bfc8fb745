"""Glue of ``daoban eval safety`` / ``daoban eval pii``: read sets, run, write reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from evals.reports.pii import write_pii_report
from evals.reports.safety import write_safety_report
from evals.runners.pii import evaluate_pii, read_pii_set
from evals.runners.safety import GuardResponder, PipelineResponder, Responder, evaluate_safety
from evals.safety_sets import (
    SafetyCase,
    SetFormatError,
    default_pii_paths,
    default_safety_paths,
    read_safety_set,
)
from guardrails.policy import Guardrails, build_guardrails
from guardrails.settings import GuardrailSettings
from guardrails.tables import memory_sessionmaker


def _cases(paths: list[Path]) -> list[SafetyCase]:
    cases: list[SafetyCase] = []
    for path in paths:
        cases += read_safety_set(path)
    return cases


def run_safety_command(
    ctx: typer.Context,
    set_paths: list[Path] | None,
    out: Path,
    guard_only: bool,
    console: Console,
    *,
    holdout: bool = False,
) -> None:
    """Run the safety evaluation (see ``daoban eval safety --help``)."""
    paths = set_paths or default_safety_paths(holdout=holdout)
    if not paths:
        console.print("no safety set found (../shared/evalsets/dev absent); pass --set FILE")
        raise typer.Exit(code=2)
    try:
        cases = _cases(paths)
    except (SetFormatError, OSError) as exc:
        console.print(f"[red]cannot read the set: {exc}[/red]")
        raise typer.Exit(code=2) from None
    runtime: Any = None
    guard: Guardrails
    responder: Responder
    if ctx.obj is None:
        guard = build_guardrails(GuardrailSettings(), memory_sessionmaker())
        guard.warm_up()
        responder = GuardResponder(guard.input, guard.output)
    else:
        from assistant.models import Turn

        # The runtime's guard knows the knowledge base's matter names (topic classifier).
        runtime = ctx.obj()
        guard = runtime.guardrails
        pipeline = runtime.pipeline
        responder = (
            GuardResponder(guard.input, guard.output) if guard_only
            else PipelineResponder(lambda text: pipeline.run(Turn(question=text)))
        )  # fmt: skip
    try:
        report = evaluate_safety(cases, responder, guard)
    finally:
        if runtime is not None:
            runtime.close()
    paths_out = write_safety_report(report, out)
    if report.refusal_rate_unsafe is None or report.worst_unsafe_rate is None:
        console.print("[yellow]no harmful set found: no refusal rate claimed[/yellow]")
        unsafe = "n/a"
    else:
        unsafe = (f"{report.refusal_rate_unsafe:.1%} (worst {report.worst_unsafe_category} "
                  f"{report.worst_unsafe_rate:.1%})")  # fmt: skip
    from evals.reports.safety import check_targets

    for check in check_targets(report):
        if not check.met:
            console.print(f"[red]target missed: {check.target} · {check.set_name} · "
                          f"{check.value:.3g} (bound {check.bound})[/red]")  # fmt: skip
    console.print(
        f"{report.count} prompts · unsafe not complied {unsafe} · "
        f"false refusals {report.false_refusal_rate:.2%} · label {report.label_present_rate:.1%} "
        f"· outputs with PII {report.outputs_with_pii} · p95 {report.latency_p95_ms:.2f} ms"
    )
    console.print("reports: " + " ".join(str(p) for p in paths_out))


def run_pii_command(set_paths: list[Path] | None, out: Path, console: Console) -> None:
    """Run the PII evaluation (see ``daoban eval pii --help``)."""
    paths = set_paths or default_pii_paths()
    if not paths:
        console.print("no PII set found; pass --set FILE")
        raise typer.Exit(code=2)
    cases = [case for path in paths for case in read_pii_set(path)]
    guard = build_guardrails(GuardrailSettings(), memory_sessionmaker())
    report = evaluate_pii(cases, guard.pii.analyzer)
    paths_out = write_pii_report(report, out)
    for s in report.types:
        console.print(
            f"  {s.type:<16} gold {s.gold:<4} recall {s.recall:.1%}  precision {s.precision:.1%}"
        )
    console.print("reports: " + " ".join(str(p) for p in paths_out))
