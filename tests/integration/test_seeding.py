"""Samples are loaded once, under a lock, and never as a side effect of another command."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.composition.seeding import seed_samples_once
from assistant.database import create_db_engine, make_sessionmaker, migrate
from knowledge.settings import KnowledgeSettings
from knowledge.store import MatterStore

pytestmark = pytest.mark.integration


def test_concurrent_first_starts_seed_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/seed.db"
    engine = create_db_engine(url)
    migrate(engine)
    engines = [create_db_engine(url) for _ in range(3)]  # three "workers"
    stores = [MatterStore(make_sessionmaker(e)) for e in engines]
    with ThreadPoolExecutor(max_workers=3) as pool:
        loaded = list(
            pool.map(
                lambda pair: seed_samples_once(pair[0], pair[1], KnowledgeSettings()),
                zip(engines, stores, strict=True),
            )
        )
    assert sorted(loaded)[:2] == [0, 0] and loaded.count(0) == 2
    store = stores[0]
    assert store.count() == sum(loaded)
    assert all(m.version == 1 for m in store.list())
    for e in [engine, *engines]:
        e.dispose()


def test_kb_list_on_an_empty_database_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAOBAN_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    result = CliRunner().invoke(app, ["kb", "list"])
    assert result.exit_code == 0, result.output
    engine = create_db_engine(f"sqlite:///{tmp_path}/empty.db")
    assert MatterStore(make_sessionmaker(engine)).count() == 0
    engine.dispose()
