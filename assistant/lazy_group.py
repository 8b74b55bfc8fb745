"""A typer command group whose sub-apps are imported only when one of them runs.

``daoban --help`` must answer at once; importing ``knowledge.cli`` (the store, SQLAlchemy,
the importers) or ``guardrails.cli`` to print one line of help each would cost seconds. The
root group therefore registers those sub-apps by ``"module:attribute"`` with their one-line
help: the help page shows the line, and the module is imported when the sub-command is
actually invoked (or its own ``--help`` is asked for).

Usage example::

    class RootGroup(LazyGroup):
        lazy = {"kb": ("knowledge.cli:app", "Matter knowledge base.")}

    app = typer.Typer(cls=RootGroup)
"""

from __future__ import annotations

import importlib

import typer
from typer import _click as click  # typer 0.29 vendors click: its own types
from typer.core import TyperCommand, TyperGroup


class LazyGroup(TyperGroup):
    """A :class:`TyperGroup` that resolves registered sub-apps on first use."""

    lazy: dict[str, tuple[str, str]] = {}
    """Sub-command name → (``"module:attribute"`` of its typer app, its one-line help)."""

    _formatting = False

    def _lazy(self) -> dict[str, tuple[str, str]]:
        return self.lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Eager commands in creation order, then the lazy ones."""
        return [*super().list_commands(ctx), *(n for n in self._lazy() if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command; a lazy sub-app is imported here (a help stub while formatting help)."""
        found = super().get_command(ctx, cmd_name)
        lazy = self._lazy()
        if found is not None or cmd_name not in lazy:
            return found
        target, help_text = lazy[cmd_name]
        if self._formatting:
            return TyperCommand(cmd_name, help=help_text, short_help=help_text)
        module_name, _, attribute = target.partition(":")
        sub_app = getattr(importlib.import_module(module_name), attribute)
        command = typer.main.get_command(sub_app)
        command.name = cmd_name
        if not command.help:
            command.help = help_text
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help page, listing lazy sub-apps by their registered line (no import)."""
        self._formatting = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._formatting = False

