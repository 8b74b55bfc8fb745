"""MatterStore on a real database: SQLite here, PostgreSQL in tests/integration/postgres."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assistant.database import create_db_engine, make_sessionmaker, migrate
from knowledge.errors import MatterNotFoundError, MatterStateError, UnsafeContentError
from knowledge.models import MatterStatus
from knowledge.retrieve import HybridRetriever
from knowledge.store import ImportAction, MatterStore
from knowledge.tables import MatterRow, MatterVersionRow
from tests.factories import make_content

pytestmark = pytest.mark.integration


def make_store(url: str) -> MatterStore:
    engine = create_db_engine(url)
    migrate(engine)
    return MatterStore(make_sessionmaker(engine))


def check_life_cycle(store: MatterStore) -> None:
    """Drafts, publish, versions, edits that wait for publish, retire — §6.3/§6.4."""
    store.save_draft(make_content("TS-0001"), editor="ed1")
    assert store.get("TS-0001").status is MatterStatus.DRAFT
    assert store.published() == []

    first = store.publish("TS-0001", editor="ed1")
    assert (first.status, first.version) == (MatterStatus.PUBLISHED, 1)

    store.save_draft(make_content("TS-0001", name="测试事项新名称"), editor="ed2")
    assert store.published()[0].name == "测试事项办理"  # still serving version 1
    second = store.publish("TS-0001", editor="ed2")
    assert second.version == 2
    assert [m.name for m in store.versions("TS-0001")] == ["测试事项办理", "测试事项新名称"]
    assert store.published()[0].name == "测试事项新名称"

    store.retire("TS-0001", editor="ed2")
    assert store.published() == []
    with pytest.raises(MatterStateError):
        store.retire("TS-0001", editor="ed2")
    with pytest.raises(MatterNotFoundError):
        store.get("NO-0000")


def check_import_is_all_or_nothing(store: MatterStore) -> None:
    good = make_content("TS-0101")
    clash = make_content("TS-0102", materials=[{"name": "户口簿"}])
    store.import_matters([good, clash], editor="ed")
    assert store.count() >= 2

    def exploding():
        yield make_content("TS-0201")
        raise RuntimeError("disk full")

    before = store.count()
    with pytest.raises(RuntimeError):
        store.import_matters(exploding(), editor="ed")
    assert store.count() == before


def test_life_cycle_sqlite(tmp_path):
    check_life_cycle(make_store(f"sqlite:///{tmp_path}/k.db"))


def test_import_all_or_nothing_sqlite(tmp_path):
    check_import_is_all_or_nothing(make_store(f"sqlite:///{tmp_path}/k.db"))


def test_publish_reindexes_without_restart(tmp_path):
    store = make_store(f"sqlite:///{tmp_path}/k.db")
    retriever = HybridRetriever()
    store.subscribe(retriever.rebuild)
    store.save_draft(make_content("TS-0301", name="老年人助餐补贴申领"), editor="ed")
    assert retriever.size == 0
    store.publish("TS-0301", editor="ed")
    assert retriever.search("助餐补贴", k=1)[0].matter.code == "TS-0301"
    store.retire("TS-0301", editor="ed")
    assert retriever.size == 0


def test_versions_are_rows(tmp_path):
    store = make_store(f"sqlite:///{tmp_path}/k.db")
    store.import_matters([make_content("TS-0401")], editor="ed")
    store.publish("TS-0401", editor="ed")
    with store._sessions() as session:  # noqa: SLF001 - inspecting the real rows
        assert session.scalar(select(func.count()).select_from(MatterVersionRow)) == 2
        row = session.get(MatterRow, "TS-0401")
        assert row is not None and row.version == 2


def test_unsafe_matter_is_held_as_a_draft_and_the_rest_publish(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/k.db")
    migrate(engine)
    store = MatterStore(
        make_sessionmaker(engine),
        content_check=lambda content: ["unsafe"] if content.code == "TS-0503" else [],
    )
    contents = [make_content(f"TS-050{n}") for n in (1, 2, 3)]
    result = store.import_matters(contents, editor="ed")
    held = [(o.index, o.code, o.flags) for o in result.outcomes if o.action is ImportAction.HELD]
    assert held == [(2, "TS-0503", ["unsafe"])]
    assert [m.code for m in store.published()] == ["TS-0501", "TS-0502"]
    assert store.get("TS-0503").status is MatterStatus.DRAFT
    with pytest.raises(UnsafeContentError):
        store.publish("TS-0503", editor="ed")
    assert store.publish("TS-0503", editor="reviewer", accept_flags=True).version == 1
