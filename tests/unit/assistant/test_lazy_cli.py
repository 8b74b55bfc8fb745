"""``daoban --help`` imports no package command group; invoking one still works."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from assistant.cli import app


def test_help_lists_lazy_groups_without_importing_them() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from assistant.cli import app\n"
        "out = CliRunner().invoke(app, ['--help']).output\n"
        "assert 'kb' in out and 'guard' in out and 'eval' in out, out\n"
        "heavy = [m for m in ('knowledge.cli', 'knowledge.store', 'guardrails.policy',"
        " 'assistant.runtime', 'sklearn', 'sqlalchemy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_lazy_group_runs_when_invoked() -> None:
    result = CliRunner().invoke(app, ["guard", "--help"])
    assert result.exit_code == 0
    assert "--batch" in result.output
