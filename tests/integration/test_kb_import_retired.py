"""``daoban kb import`` of an entry with ``status: retired`` retires the matter (GB/T 47483 §6.4)
instead of publishing a new version of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.database import create_db_engine, make_sessionmaker
from knowledge.store import MatterStore
from tests.factories import make_content

pytestmark = pytest.mark.integration


def test_kb_import_retires_entries_marked_retired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DAOBAN_DATABASE_URL", url)
    runner = CliRunner()
    first = [make_content(code).model_dump(mode="json") for code in ("TS-0001", "TS-0002")]
    path = tmp_path / "matters.json"
    path.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(app, ["kb", "import", str(path)]).exit_code == 0
    second = [dict(first[0]), {**first[1], "status": "retired", "progress_query": "已撤销"}]
    path.write_text(json.dumps(second, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["kb", "import", str(path)])
    assert result.exit_code == 0, result.output
    engine = create_db_engine(url)
    store = MatterStore(make_sessionmaker(engine))
    try:
        assert store.get("TS-0002").status.value == "retired"
        assert [v.version for v in store.versions("TS-0002")] == [1]  # no new version
        assert store.get("TS-0001").status.value == "published"
    finally:
        engine.dispose()
