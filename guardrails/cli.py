"""``daoban guard``: run the input rails alone and print verdicts, PII spans, redacted text.

``daoban guard --json "我叫张伟，身份证…"`` prints one JSON object; ``--batch FILE`` reads one
input per line (plain text, or JSON with ``text`` / ``prompt``) and prints JSON lines. Spans
are ``{start, end, type}`` in characters of the input; values are never printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # imported when a command runs: ``daoban --help`` stays instant
    from guardrails.models import ScreenedQuery
    from guardrails.services import InputGuard

app = typer.Typer(
    invoke_without_command=True,
    help="Run the input guard rails on text (no database, no model).",
)
console = Console()


def screened_json(screened: ScreenedQuery) -> dict[str, Any]:
    """The machine-readable view of one screening (no original text).

    A lexicon verdict also says how its term matched (``via``: ``exact``, ``pinyin``,
    ``initials``, ``homophone``).
    """
    return {
        "refused": screened.refused,
        "reason_code": screened.refusal.reason_code if screened.refusal else None,
        "message": screened.refusal.message_zh if screened.refusal else None,
        "verdicts": [
            {"rail": v.rail, "decision": v.decision.value, "reason_code": v.reason_code,
             "duration_ms": v.duration_ms, **({"via": v.via} if v.via else {})}
            for v in screened.verdicts
        ],
        "pii": [{"start": s.start, "end": s.end, "type": s.type.value} for s in screened.pii],
        "text": screened.text,
    }  # fmt: skip


def read_batch(path: Path) -> list[str]:
    """Inputs of a batch file: plain lines, or JSON lines with ``text`` or ``prompt``.

    Raises:
        typer.BadParameter: A JSON line is invalid or has neither field.
    """
    items: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise typer.BadParameter(f"line {number}: not valid JSON") from None
            value = row.get("text") or row.get("prompt")
            if not isinstance(value, str):
                raise typer.BadParameter(f"line {number}: needs a 'text' or 'prompt' string")
            items.append(value)
        else:
            items.append(line)
    return items


def _table(screen: InputGuard, texts: list[str]) -> None:
    table = Table("#", "decision", "reason", "pii", "redacted text")
    for index, text in enumerate(texts, start=1):
        screened = screen.screen(text)
        decision = "refuse" if screened.refused else "allow"
        reason = screened.refusal.reason_code if screened.refusal else ""
        pii = ", ".join(s.type.value for s in screened.pii)
        table.add_row(str(index), decision, reason or "", pii, screened.text)
    console.print(table)


@app.callback()
def guard(
    text: Annotated[str | None, typer.Argument(help="Text to screen")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="File of inputs, one per line", exists=True)
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy YAML (default: bundled)")] = None,
    rules_only: Annotated[bool, typer.Option(help="Scope rules without the classifier")] = False,
) -> None:
    """Screen TEXT (or every line of --batch FILE) with the input rails."""
    if text is None and batch is None:
        raise typer.BadParameter("give TEXT or --batch FILE")
    from guardrails.policy import build_guardrails
    from guardrails.settings import GuardrailSettings
    from guardrails.tables import memory_sessionmaker

    # Screening only: nothing is queued for review, so no database is opened.
    guard_ = build_guardrails(
        GuardrailSettings(policy_path=policy, scope_classifier=not rules_only),
        memory_sessionmaker(),
    )
    guard_.warm_up()
    screen = guard_.input
    texts = read_batch(batch) if batch is not None else [text or ""]
    if not as_json:
        _table(screen, texts)
        return
    if batch is None:
        typer.echo(json.dumps(screened_json(screen.screen(texts[0])), ensure_ascii=False))
        return
    for index, item in enumerate(texts):
        row = {"index": index, **screened_json(screen.screen(item))}
        typer.echo(json.dumps(row, ensure_ascii=False))
