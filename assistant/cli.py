"""The ``daoban`` command: the typer root that mounts each package's commands.

``daoban serve`` runs the HTTP service; ``daoban ask`` answers questions on the command line
with the same pipeline and the same JSON shape as ``POST /v1/ask``; ``daoban kb`` manages the
knowledge base; ``daoban eval`` and ``daoban bench`` measure.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.errors import TurnInputError
from assistant.logs import configure_logging
from assistant.models import Turn
from assistant.runtime import Runtime, build_runtime
from assistant.settings import load_settings
from assistant.voice_cli import register as register_voice_commands
from evals.bench.cli import bench
from evals.cli import app as eval_app
from guardrails.cli import app as guard_app
from knowledge.cli import app as kb_app

app = typer.Typer(
    name="daoban",
    help="daoban 智能导办: AI guidance for government-service kiosks (GB/T 47483—2026).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb", help="Matter knowledge base: import, export, list.")
app.add_typer(eval_app, name="eval", help="Evaluation runs: routing, safety, pii, asr.")
app.command("bench")(bench)
app.add_typer(guard_app, name="guard", help="Run the input guard rails on text.")

register_voice_commands(app)

console = Console(stderr=True)


def cli_runtime() -> Runtime:
    """Build the runtime for a CLI command (logs to stderr, warnings only)."""
    settings = load_settings()
    configure_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level)
    return build_runtime(settings)


@app.callback()
def main(ctx: typer.Context) -> None:
    """daoban 智能导办: AI guidance for government-service kiosks (GB/T 47483—2026)."""
    ctx.obj = cli_runtime


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the HTTP service (OpenAPI docs at /docs) on the configured database."""
    import uvicorn

    uvicorn.run(
        "assistant.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def _read_batch(path: Path) -> list[str]:
    questions: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                raise typer.BadParameter(f"line {number}: not valid JSON") from None
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise typer.BadParameter(f"line {number}: needs a string field 'question'")
            questions.append(item["question"])
        else:
            questions.append(line)
    return questions


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The citizen's question")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per question")] = False,
    batch: Annotated[
        Path | None,
        typer.Option(help="File: one question per line, or JSON lines with a 'question' field"),
    ] = None,
    session: Annotated[str | None, typer.Option(help="Session id for follow-up questions")] = None,
) -> None:
    """Answer one question (or a batch) with the full pipeline, as the kiosk would."""
    if (question is None) == (batch is None):
        raise typer.BadParameter("give a QUESTION or --batch FILE, not both")
    questions = _read_batch(batch) if batch is not None else [question or ""]
    runtime = cli_runtime()
    try:
        for text in questions:
            try:
                turn = Turn(question=text, session_id=session)
            except ValueError:
                error = {"code": TurnInputError.code, "message": TurnInputError.message_zh}
                if as_json:
                    sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
                else:
                    console.print(error["message"])
                continue
            result = asyncio.run(runtime.pipeline.run(turn))
            if as_json:
                sys.stdout.write(result.model_dump_json() + "\n")
                continue
            console.print(f"[bold]{result.answer.screen_text}[/bold]", highlight=False)
            for source in result.sources:
                console.print(f"来源：{source.matter_name}（{source.matter_code}）· {source.section}")
            for route in result.routes[:3]:
                console.print(f"→ {route.matter_name}  {route.kiosk_route}  {route.score:.2f}")
    finally:
        runtime.close()
