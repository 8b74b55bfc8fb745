"""The change feed on a real SQLite file: announce, catch up, skip own changes, follow."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.composition.change_feed import ChangeFeed, ChangeKind
from assistant.database import create_db_engine, make_sessionmaker, migrate


def _sessions(tmp_path: Path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/feed.db")
    migrate(engine)
    return make_sessionmaker(engine)


def test_other_workers_changes_are_applied_once_per_kind(tmp_path: Path) -> None:
    sessions = _sessions(tmp_path)
    writer = ChangeFeed(sessions, origin="node-a:1")
    reader = ChangeFeed(sessions, origin="node-a:2")
    applied: list[str] = []
    reader.on(ChangeKind.CATALOGUE, lambda: applied.append("catalogue"))
    reader.on(ChangeKind.LEXICON, lambda: applied.append("lexicon"))
    first = writer.announce(ChangeKind.CATALOGUE)
    writer.announce(ChangeKind.CATALOGUE)
    last = writer.announce(ChangeKind.LEXICON)
    assert last > first
    assert reader.catch_up() == 3
    assert applied == ["catalogue", "lexicon"]  # coalesced, in order
    assert reader.last_seq == last
    assert reader.catch_up() == 0  # nothing new: nothing applied again
    assert applied == ["catalogue", "lexicon"]


def test_own_changes_are_not_applied_again(tmp_path: Path) -> None:
    sessions = _sessions(tmp_path)
    feed = ChangeFeed(sessions, origin="node-a:1")
    applied: list[str] = []
    feed.on(ChangeKind.CORRECTIONS, lambda: applied.append("corrections"))
    feed.announce(ChangeKind.CORRECTIONS)
    feed.catch_up()
    assert applied == []


def test_a_failing_applier_does_not_stop_the_others(tmp_path: Path) -> None:
    sessions = _sessions(tmp_path)
    writer = ChangeFeed(sessions, origin="w1")
    reader = ChangeFeed(sessions, origin="w2")
    applied: list[str] = []

    def broken() -> None:
        raise RuntimeError("index rebuild failed")

    reader.on(ChangeKind.CATALOGUE, broken)
    reader.on(ChangeKind.CATALOGUE, lambda: applied.append("second"))
    writer.announce(ChangeKind.CATALOGUE)
    reader.catch_up()
    assert applied == ["second"]


def test_listener_polls_the_database_without_redis(tmp_path: Path) -> None:
    sessions = _sessions(tmp_path)
    writer = ChangeFeed(sessions, origin="w1")
    writer.announce(ChangeKind.LEXICON)  # before the reader started: already in its state
    reader = ChangeFeed(sessions, origin="w2", poll_s=0.1)
    applied: list[str] = []
    reader.on(ChangeKind.LEXICON, lambda: applied.append("lexicon"))
    reader.start()
    try:
        time.sleep(0.3)
        assert applied == []
        writer.announce(ChangeKind.LEXICON)
        deadline = time.monotonic() + 5
        while not applied and time.monotonic() < deadline:
            time.sleep(0.05)
        assert applied == ["lexicon"]
    finally:
        reader.stop()
