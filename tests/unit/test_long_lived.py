"""daoban.long_lived: the collector is off while long-lived state is built, then it is frozen."""

from __future__ import annotations

import atexit
import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from daoban import long_lived as long_lived_module
from daoban.long_lived import long_lived, release_at_exit


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


class Node:
    """A reference cycle (only the cyclic collector frees one)."""

    def __init__(self) -> None:
        self.me = self


def test_collector_off_inside_then_on_with_state_frozen() -> None:
    gc.enable()
    gc.unfreeze()
    with long_lived():
        assert not gc.isenabled()
        state = [Node() for _ in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(state)


def test_later_garbage_is_still_collected() -> None:
    gc.enable()
    with long_lived():
        kept = Node()
    Node()  # unreachable cycle made after start-up
    assert gc.collect() >= 1
    assert kept.me is kept


def test_collector_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), long_lived():
        raise RuntimeError("start-up failed")
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with long_lived():
        pass
    assert not gc.isenabled()


def test_release_at_exit_hands_the_state_back_and_freezes_at_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registered: list[object] = []
    monkeypatch.setattr(long_lived_module, "_exit_freeze_registered", False)
    monkeypatch.setattr(atexit, "register", registered.append)
    gc.enable()
    with long_lived():
        state = Node()
    assert gc.get_freeze_count() > 0
    release_at_exit()
    release_at_exit()
    assert gc.get_freeze_count() == 0  # collectable again by a process that goes on
    assert registered == [gc.freeze]  # once
    del state
    assert gc.collect() >= 1


def test_ask_in_a_fresh_interpreter_leaves_nothing_frozen_before_exit(tmp_path: Path) -> None:
    """The real command: collector on after the answer, state thawed, freeze registered."""
    code = (
        "import gc, sys\n"
        "from typer.testing import CliRunner\n"
        "from assistant.cli import app\n"
        "from daoban import long_lived\n"
        "result = CliRunner().invoke(app, ['ask', '--json', '身份证丢了怎么补办'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(gc.isenabled(), gc.get_freeze_count(), long_lived._exit_freeze_registered)\n"
    )
    env = {**os.environ, "DAOBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'daoban.db'}"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == ["True", "0", "True"]
