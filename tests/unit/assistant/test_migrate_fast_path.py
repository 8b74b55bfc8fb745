"""migrate(): a database at the head revision skips Alembic; anything else goes through it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from assistant import database
from assistant.database import (
    VERSIONS_DIR,
    alembic_config,
    create_db_engine,
    migrate,
    script_head,
)


def _engine(tmp_path: Path) -> Engine:
    return create_db_engine(f"sqlite:///{tmp_path / 'daoban.db'}")


def _revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))]


def _no_alembic(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda _config, revision: calls.append(revision))
    return calls


def test_script_head_is_alembics_head() -> None:
    config = alembic_config(create_db_engine("sqlite://"))
    assert script_head(VERSIONS_DIR) == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_at_head_is_not_migrated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path)
    migrate(engine)  # fresh: Alembic creates every table
    assert _revisions(engine) == [script_head(VERSIONS_DIR)]
    calls = _no_alembic(monkeypatch)
    migrate(engine)
    assert calls == []


def test_a_database_behind_head_is_upgraded(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    command.upgrade(alembic_config(engine), "0003_partial_guides")
    migrate(engine)
    assert _revisions(engine) == [script_head(VERSIONS_DIR)]
    assert inspect(engine).has_table("knowledge_matter_vectors")


@pytest.mark.parametrize("revision", [None, "0003_partial_guides", "9999_from_the_future"])
def test_anything_but_head_goes_through_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, revision: str | None
) -> None:
    engine = _engine(tmp_path)
    if revision is not None:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            connection.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    calls = _no_alembic(monkeypatch)
    migrate(engine)
    assert calls == ["head"]


def test_an_unreadable_script_graph_goes_through_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path)
    migrate(engine)
    calls = _no_alembic(monkeypatch)
    monkeypatch.setattr(database, "script_head", lambda _versions: None)
    migrate(engine)
    assert calls == ["head"]


def _script(folder: Path, revision: str, down: str | None, extra: str = "") -> None:
    down_text = repr(down)
    (folder / f"{revision}.py").write_text(
        f'revision: str = "{revision}"\ndown_revision: str | None = {down_text}\n{extra}',
        encoding="utf-8",
    )


def test_script_head_of_a_line(tmp_path: Path) -> None:
    _script(tmp_path, "a", None)
    _script(tmp_path, "c", "b")
    _script(tmp_path, "b", "a")
    assert script_head(tmp_path) == "c"


@pytest.mark.parametrize(
    "scripts",
    [
        [("a", None, ""), ("b", "a", ""), ("c", "a", "")],  # branch: two heads
        [("a", None, ""), ("b", None, "")],  # two roots
        [("a", None, ""), ("b", "x", "")],  # missing parent
        [("a", None, ""), ("b", "a", "branch_labels = ('x',)\n")],
        [("a", None, ""), ("b", "a", "depends_on = 'a'\n")],
        [("a", None, ""), ("b", "a", "revision = make_revision()\n")],  # not a literal
        [("a", None, ""), ("b", "a", "def broken(:\n")],  # not Python
        [("a", None, ""), ("b", "a", ""), ("c", "d", ""), ("d", "c", "")],  # a cycle aside
    ],
)
def test_script_head_leaves_what_it_cannot_read_to_alembic(
    tmp_path: Path, scripts: list[tuple[str, str | None, str]]
) -> None:
    for revision, down, extra in scripts:
        _script(tmp_path, revision, down, extra)
    assert script_head(tmp_path) is None


def test_ask_path_database_does_not_import_alembic(tmp_path: Path) -> None:
    """A fresh interpreter migrating a database at head never imports Alembic."""
    url = f"sqlite:///{tmp_path / 'daoban.db'}"
    migrate(create_db_engine(url))
    code = (
        "import sys\n"
        "from assistant.database import create_db_engine, migrate\n"
        f"migrate(create_db_engine({url!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
