"""``daoban kb``: import, export and list matters.

Imports are validated whole before anything is written (a bad file lists every error by
matter and field and changes nothing), then written in one transaction with a progress bar.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from knowledge.errors import ImportValidationError
from knowledge.importers import FileFormat, dump_matters, read_matter_file
from knowledge.models import MatterStatus
from knowledge.store import MatterStore

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


class KnowledgeRuntime(Protocol):
    """What these commands need from the runtime the root command builds (``ctx.obj()``)."""

    store: MatterStore

    def close(self) -> None:
        """Release resources."""
        ...


def _runtime(ctx: typer.Context) -> KnowledgeRuntime:
    runtime: KnowledgeRuntime = ctx.obj()
    return runtime


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON or YAML file")],
    editor: Annotated[str, typer.Option(help="Editor account recorded with the change")] = "cli",
    draft: Annotated[bool, typer.Option("--draft", help="Save as drafts, do not publish")] = False,
) -> None:
    """Validate FILE and write its matters (published unless --draft); all or nothing."""
    try:
        contents = read_matter_file(file)
        runtime = _runtime(ctx)
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("importing", total=len(contents))
                stored = runtime.store.import_matters(
                    contents,
                    editor=editor,
                    publish=not draft,
                    progress=lambda done: progress.update(task, completed=done),
                )
        finally:
            runtime.close()
    except ImportValidationError as exc:  # also UnsafeContentError from the content check
        console.print(f"[red]{exc.message_zh}[/red] ({exc.code})")
        for issue in exc.errors:
            where = f"#{issue.index}" + (f" {issue.code}" if issue.code else "")
            console.print(f"  {where}  {issue.field}: {issue.message}")
        raise typer.Exit(code=1) from None
    console.print(f"imported {len(stored.outcomes)} matters" + (" as drafts" if draft else ", published"))


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="yaml or json")] = "yaml",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
    status: Annotated[MatterStatus | None, typer.Option(help="Only matters of this status")] = None,
) -> None:
    """Export matters (re-importable) as YAML or JSON."""
    if fmt not in ("yaml", "json"):
        raise typer.BadParameter("--format must be yaml or json")
    file_format: FileFormat = "json" if fmt == "json" else "yaml"
    runtime = _runtime(ctx)
    try:
        text = dump_matters(runtime.store.list(status), file_format)
    finally:
        runtime.close()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


@app.command("list")
def list_matters(
    ctx: typer.Context,
    status: Annotated[MatterStatus | None, typer.Option(help="Only matters of this status")] = None,
) -> None:
    """List matters: code, name, status, version, kiosk."""
    runtime = _runtime(ctx)
    try:
        matters = runtime.store.list(status)
    finally:
        runtime.close()
    table = Table("code", "name", "status", "version", "kiosk")
    for m in matters:
        table.add_row(m.code, m.name, m.status.value, str(m.version), "yes" if m.kiosk_available else "")
    Console().print(table)
    console.print(f"{len(matters)} matters")
