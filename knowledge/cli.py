"""``daoban kb``: import, export, list and publish matters.

Imports read daoban's JSON/YAML, catalogue records (``*.jsonl``) and CSV/XLSX 实施清单 through a
field mapping (:mod:`knowledge.importing`). A file is validated whole before anything is
written (invalid matters refuse it, every problem of every matter listed), then written in one
transaction: flagged matters are held as drafts for review, the rest publish, unchanged
matters are left alone. The report says what happened to each matter and what each lacks.

Every change is audited (GB/T 47483 §9.3.3 b) with an authenticated actor: the holder of the
back-office token in ``DAOBAN_CLI_TOKEN`` when it is set (a wrong one is refused and recorded
as a failed login), else the operating-system account that runs the command (``os:<user>``).
``--editor`` is only a display name, kept in the audit detail.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from knowledge.editor.catalogue_io import file_statuses, import_catalogue
from knowledge.errors import ImportValidationError, KnowledgeError
from knowledge.importers import FileFormat, dump_matters, read_catalogue
from knowledge.importing.report import ImportReport, build_report, refused_report
from knowledge.models import GUIDE_ELEMENT_NAMES, GuideElement, MatterStatus
from knowledge.store import MatterStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from guardrails.audit import Actor
    from guardrails.models import Principal
    from knowledge.models import Matter
    from knowledge.store import ImportResult

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

CLI_TOKEN_ENV = "DAOBAN_CLI_TOKEN"
"""A back-office token (``DAOBAN_GUARDRAILS__TOKENS``) the CLI acts as, when set."""


class KnowledgeRuntime(Protocol):
    """What these commands need from the runtime the root command builds (``ctx.obj()``)."""

    store: MatterStore
    settings: Any
    """The service settings (``settings.guardrails.tokens`` authenticates the CLI token)."""
    sessions_db: sessionmaker[Session]
    """Sessions of the service database (the audit log)."""

    def close(self) -> None:
        """Release resources."""
        ...


def _runtime(ctx: typer.Context) -> KnowledgeRuntime:
    runtime: KnowledgeRuntime = ctx.obj()
    return runtime


def cli_actor(runtime: KnowledgeRuntime, *roles: str) -> Principal | Actor:
    """Who runs this command, authenticated (see the module docstring).

    ``roles`` are the token roles that may run it (``editor``, ``publisher``, ...); they apply
    to a ``DAOBAN_CLI_TOKEN`` holder only (the OS account is trusted as the operator).

    Raises:
        typer.Exit: ``DAOBAN_CLI_TOKEN`` is set but matches no configured token, or grants
            another role (code 1, audited as ``auth.failed`` / ``auth.forbidden``).
    """
    from guardrails.audit import ANONYMOUS, Actor, AuditLog
    from guardrails.settings import principal_for_token

    token = os.environ.get(CLI_TOKEN_ENV, "").strip()
    if token:
        who = principal_for_token(runtime.settings.guardrails.tokens, token)
        if who is not None:
            if roles and who.role.value not in roles:
                AuditLog(runtime.sessions_db).record(
                    who, "auth.forbidden", "cli:kb", "role may not run this command"
                )
                console.print("[red]当前角色无权执行此操作[/red] (guardrails.forbidden)")
                raise typer.Exit(code=1)
            return who
        AuditLog(runtime.sessions_db).record(ANONYMOUS, "auth.failed", "cli:kb", "unknown token")
        console.print(f"[red]{CLI_TOKEN_ENV} 不是有效的访问令牌[/red] (guardrails.unauthenticated)")
        raise typer.Exit(code=1)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return Actor(name=f"os:{user}"[:64], role="cli")


def _as(display: str | None) -> str:
    return f"as {display}" if display else ""


def import_audit(
    runtime: KnowledgeRuntime, actor: Principal | Actor, display: str | None
) -> Callable[[Session, ImportResult], None]:
    """One audit entry per matter an import changed (``matter.import.<action>``).

    Written in the import's own transaction (:meth:`MatterStore.import_matters` ``within``).
    """
    from guardrails.audit import AuditLog
    from knowledge.store import ImportAction

    log = AuditLog(runtime.sessions_db)

    def within(session: Session, result: ImportResult) -> None:
        for outcome in result.outcomes:
            if outcome.action is ImportAction.UNCHANGED:
                continue
            detail = " ".join(filter(None, ["cli", f"v{outcome.version}", _as(display)]))
            log.add(session, actor, f"matter.import.{outcome.action.value}"[:32],
                    f"matter:{outcome.code}", detail)  # fmt: skip

    return within


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False,
            help="daoban JSON/YAML, catalogue records (*.jsonl), or CSV/XLSX with --mapping",
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False,
            help="Field-mapping YAML for CSV/XLSX 实施清单 (see knowledge/mappings/)",
        ),
    ] = None,
    editor: Annotated[
        str | None, typer.Option(help="Display name kept in the audit detail (the actor is the "
                                      "authenticated account)")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Save as drafts, do not publish")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write the full report (every matter) as JSON here")
    ] = None,
) -> None:
    """Validate FILE and write its matters in one transaction; print the import report.

    A file with invalid matters is refused whole, listing every problem of every matter. A
    valid file publishes (unless --draft); matters the content check flags are kept as drafts
    for review (``daoban kb publish CODE --accept-flags``); unchanged matters are left alone.
    """
    started = time.perf_counter()
    try:
        parsed = read_catalogue(file, mapping)
    except ImportValidationError as exc:
        refused = refused_report(file.name, exc, seconds=time.perf_counter() - started)
        _print_report(refused, report)
        console.print(f"[red]{exc.message_zh}[/red] ({exc.code})")
        raise typer.Exit(code=1) from None
    # entries declaring ``status: retired`` are retired (§6.4), never published anew
    statuses = file_statuses(file, parsed.format)
    runtime = _runtime(ctx)
    try:
        retiring = any(s is MatterStatus.RETIRED for s in statuses.values())
        # a token holder needs the publisher role to publish or retire, as on the page
        drafting_only = draft and not retiring
        actor = cli_actor(runtime, *(("editor", "publisher") if drafting_only else ("publisher",)))
        audit = import_audit(runtime, actor, editor)
        if retiring:
            # several store transactions (import, then each retirement): audited after them
            result = import_catalogue(
                runtime.store, parsed.contents, statuses, editor=actor.name, publish=not draft
            )
            with runtime.sessions_db.begin() as session:
                audit(session, result)
        else:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("importing", total=len(parsed.contents))
                result = runtime.store.import_matters(
                    parsed.contents,
                    editor=actor.name,
                    publish=not draft,
                    progress=lambda done: progress.update(task, completed=done),
                    within=audit,
                )
    finally:
        runtime.close()
    built = build_report(file.name, parsed, result, seconds=time.perf_counter() - started)
    _print_report(built, report)


def _print_report(built: ImportReport, path: Path | None) -> None:
    for line in built.lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if path is not None:
        built.write(path)
        console.print(f"report: {path}")


@app.command("publish")
def publish(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Matter code (事项编码)")],
    editor: Annotated[
        str | None, typer.Option(help="Display name kept in the audit detail (the actor is the "
                                      "authenticated account)")
    ] = None,
    accept_flags: Annotated[
        bool,
        typer.Option(
            "--accept-flags",
            help="You reviewed the content check's flags on this draft and publish it anyway",
        ),
    ] = False,
) -> None:
    """Publish the current content of CODE as a new version (e.g. a draft held for review)."""
    from guardrails.audit import AuditLog

    runtime = _runtime(ctx)
    try:
        actor = cli_actor(runtime, "publisher")
        log = AuditLog(runtime.sessions_db)

        def within(session: Session, matter: Matter) -> None:
            detail = " ".join(filter(None, ["cli", f"v{matter.version}",
                                            "flags accepted" if accept_flags else "",
                                            _as(editor)]))  # fmt: skip
            log.add(session, actor, "matter.publish", f"matter:{code}"[:64], detail)

        matter = runtime.store.publish(code, editor=actor.name, accept_flags=accept_flags,
                                       within=within)  # fmt: skip
    except KnowledgeError as exc:
        console.print(f"[red]{exc.message_zh}[/red] ({exc.code})")
        if isinstance(exc, ImportValidationError):
            for issue in exc.errors:
                console.print(f"  {issue.field}: {issue.message}", markup=False)
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    console.print(f"published {matter.code} version {matter.version}")


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
    incomplete: Annotated[
        bool,
        typer.Option(
            "--incomplete", help="Only matters whose guide leaves elements unpublished, and which"
        ),
    ] = False,
    lacking: Annotated[
        GuideElement | None, typer.Option(help="Only matters that do not publish this element")
    ] = None,
) -> None:
    """List matters: code, name, status, version, kiosk (and what each lacks)."""
    runtime = _runtime(ctx)
    try:
        matters = runtime.store.list(status)
        held = runtime.store.held_for_review()
    finally:
        runtime.close()
    if incomplete or lacking is not None:
        matters = [
            m for m in matters
            if m.unpublished and (lacking is None or lacking in m.unpublished)
        ]
    table = Table("code", "name", "status", "version", "kiosk", "lacks", "review")
    for m in matters:
        table.add_row(
            m.code, m.name, m.status.value, str(m.version), "yes" if m.kiosk_available else "",
            "、".join(GUIDE_ELEMENT_NAMES[e] for e in m.unpublished),
            ", ".join(held.get(m.code, [])),
        )
    Console(width=200).print(table)
    if incomplete or lacking is not None:
        counts = Counter(e for m in matters for e in m.unpublished)
        console.print(
            "lacking: " + " · ".join(f"{GUIDE_ELEMENT_NAMES[e]} {counts[e]}" for e in GuideElement
                                     if counts[e]),
            markup=False,
        )
    console.print(f"{len(matters)} matters")


@app.command("load-samples")
def load_samples(
    ctx: typer.Context,
    editor: Annotated[
        str | None, typer.Option(help="Display name kept in the audit detail (the actor is the "
                                      "authenticated account)")
    ] = None,
) -> None:
    """Import and publish the bundled SAMPLE matters (the team's own words).

    They are not a region's list; matters whose content is unchanged are kept as they are.
    """
    from knowledge.importers import BUNDLED_SAMPLES_DIR, read_matter_dir

    contents = read_matter_dir(BUNDLED_SAMPLES_DIR)
    runtime = _runtime(ctx)
    try:
        actor = cli_actor(runtime, "publisher", "admin")
        result = runtime.store.import_matters(contents, editor=actor.name, publish=True,
                                              within=import_audit(runtime, actor, editor))
    except ImportValidationError as exc:
        console.print(f"[red]{exc.message_zh}[/red] ({exc.code})")
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    console.print(
        f"read {len(contents)} SAMPLE matters: {result.published} published, "
        f"{len(result.outcomes) - result.published} unchanged or held"
    )
