"""The ``daoban`` command: the typer root that mounts each package's commands.

``daoban serve`` runs the HTTP service; ``daoban ask`` answers questions on the command line
with the same pipeline and the same JSON shape as ``POST /v1/ask``; ``daoban kb`` manages the
knowledge base; ``daoban eval`` and ``daoban bench`` measure.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from assistant.lazy_group import LazyGroup
from assistant.voice_cli import register as register_voice_commands
from evals.bench.cli import bench, loadtest


class RootGroup(LazyGroup):
    """The root: the packages' command groups are imported only when one of them runs."""

    lazy = {
        "kb": ("knowledge.cli:app", "Matter knowledge base: import, export, list."),
        "eval": ("evals.cli:app", "Evaluation runs: routing, safety, pii, asr."),
        "guard": ("guardrails.cli:app", "Run the input guard rails on text."),
    }


app = typer.Typer(
    name="daoban",
    cls=RootGroup,
    help="daoban 智能导办: AI guidance for government-service kiosks (GB/T 47483—2026).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("bench")(bench)
app.command("loadtest")(loadtest)

register_voice_commands(app)

console = Console(stderr=True)

if TYPE_CHECKING:
    from assistant.composition.services import Services


def cli_runtime(*, seed_embedded: bool = False) -> Services:
    """The services of a CLI command, built on first use (logs to stderr, warnings only).

    ``daoban kb list`` touches the store only: no classifier, no index, no embedder (see
    :mod:`assistant.composition.services`). No command but ``serve``, ``ask`` (on an empty
    embedded database) and ``kb load-samples`` loads the sample matters.
    """
    from assistant.composition.services import Services
    from assistant.logs import configure_logging
    from assistant.settings import load_settings
    from guardrails import table_cache

    settings = load_settings()
    configure_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level)
    # The guard's character tables are kept next to its other caches between commands.
    table_cache.use_directory(settings.guardrails.topic_cache_dir)
    return Services(settings, seed_embedded=seed_embedded)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Daoban 智能导办: AI guidance for government-service kiosks (GB/T 47483—2026)."""
    ctx.obj = cli_runtime


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (PostgreSQL + Redis for >1)")
    ] = 1,
    tls_certfile: Annotated[
        Path | None,
        typer.Option(help="PEM certificate chain (default DAOBAN_PROTECTION__TLS_CERTFILE)"),
    ] = None,
    tls_keyfile: Annotated[
        Path | None, typer.Option(help="PEM private key (default DAOBAN_PROTECTION__TLS_KEYFILE)")
    ] = None,
) -> None:
    """Run the HTTP service (OpenAPI docs at /docs) on the configured database.

    With a certificate and key (options or ``DAOBAN_PROTECTION__TLS_*``) it listens with TLS
    (GB/T 47483 §8.1, §9.2.1 a) and sends Strict-Transport-Security; without them, put a TLS
    reverse proxy in front (docs/deployment.md).

    With several workers the node is prepared once first (migrate, seed the samples under a
    lock on a first start, train and cache the classifiers and vectors), then gunicorn forks
    the workers from one supervisor that has imported the service, so each worker only builds
    its runtime from the snapshots; see :mod:`assistant.composition.node` and
    :mod:`assistant.composition.workers`.
    """
    import uvicorn

    from assistant.composition.node import prepare_node_in_subprocess
    from assistant.settings import load_settings

    protection = load_settings().protection
    certfile = tls_certfile or protection.tls_certfile
    keyfile = tls_keyfile or protection.tls_keyfile
    if (certfile is None) != (keyfile is None):
        raise typer.BadParameter("TLS needs both a certificate and a key")
    tls: dict[str, str] = {}
    if certfile is not None and keyfile is not None:
        for path in (certfile, keyfile):
            if not path.is_file():
                raise typer.BadParameter(f"TLS file not found: {path}")
        tls = {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)}
        os.environ["DAOBAN_PROTECTION__TLS_CERTFILE"] = str(certfile)  # workers send HSTS
        os.environ["DAOBAN_PROTECTION__TLS_KEYFILE"] = str(keyfile)
    if workers > 1:
        from assistant.app import create_app
        from assistant.composition.workers import serve_workers

        prepare_node_in_subprocess()
        serve_workers(
            create_app, host=host, port=port, workers=workers,
            certfile=tls.get("ssl_certfile"), keyfile=tls.get("ssl_keyfile"),
        )  # fmt: skip
        return
    uvicorn.run(
        "assistant.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_worker_healthcheck=60,
        **tls,  # type: ignore[arg-type]
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
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per question")
    ] = False,
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
    from assistant.errors import TurnInputError
    from assistant.models import Turn
    from daoban.long_lived import long_lived, release_at_exit

    services = cli_runtime(seed_embedded=True)
    answers = Console()  # the answer is the command's output (stdout); logs stay on stderr
    try:
        with long_lived():  # the runtime lives as long as the command: not rescanned by gc
            runtime = services.runtime()
        for text in questions:
            try:
                turn = Turn(question=text, session_id=session)
            except ValueError:
                error = {"code": TurnInputError.code, "message": TurnInputError.message_zh}
                if as_json:
                    sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
                else:
                    answers.print(error["message"])
                continue
            result = asyncio.run(runtime.pipeline.run(turn))
            if as_json:
                sys.stdout.write(result.model_dump_json() + "\n")
                continue
            answers.print(f"[bold]{result.answer.screen_text}[/bold]", highlight=False)
            for source in result.sources:
                answers.print(
                    f"来源：{source.matter_name}（{source.matter_code}）· {source.section}"
                )
            for route in result.routes[:3]:
                answers.print(f"→ {route.matter_name}  {route.kiosk_route}  {route.score:.2f}")
    finally:
        services.close()
        release_at_exit()


@app.command("build-release")
def build_release() -> None:
    """Train the classifiers once on the embedded defaults and ship them with the release.

    Writes ``assistant/composition/release/`` (fitted snapshots, topic model, training vectors,
    ``MANIFEST.json`` with sha256 of each): a node's first start then loads them instead of
    training for minutes. Run it after changing the guardrails' training data or models;
    ``tests/unit/test_release_artefacts.py`` says when it is due.
    """
    from assistant.composition.release import RELEASE_DIR, build_release_artefacts
    from assistant.logs import configure_logging
    from assistant.settings import load_settings

    configure_logging(load_settings().log_level)
    manifest = build_release_artefacts()
    files = manifest["files"]
    assert isinstance(files, dict)
    for name in files:
        size = (RELEASE_DIR / name).stat().st_size
        console.print(f"{name}  {size / 1e6:.1f} MB")
