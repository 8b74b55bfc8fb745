"""Passage vectors kept between bench runs, by content hash, in one SQLite file per node.

The bench builds every knowledge base on a fresh temporary database, so without help it would
embed every passage again on every run: 10,000 grown matters are 20,000 passages, the better
part of an hour of e5 on two cores. The service itself never pays that twice (its database
keeps each passage's vector under (model, sha256 of the text), :mod:`knowledge.vectors`); the
bench keeps the same rows in :data:`BENCH_VECTOR_CACHE` and copies them into its temporary
database before building (:func:`seed_vectors`) and the new ones back afterwards
(:func:`keep_vectors`). The rows are keyed by model id (which names the weights' sha256) and
passage hash, so a cached vector is exactly the one the model would compute again; a changed
passage or model simply misses.

The copy runs inside SQLite (``ATTACH`` and ``INSERT OR IGNORE``): no vector passes through
the bench process, whose memory the bench also reports. Passages hold matter text only, never
citizen input.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from knowledge.tables import KnowledgeBase, MatterVectorRow

logger = logging.getLogger(__name__)

BENCH_VECTOR_CACHE = Path("var/cache/bench/vectors.db")
"""Default file of the bench's passage vectors (relative to the working directory)."""

_TABLE = MatterVectorRow.__tablename__
_ROW_TABLE = KnowledgeBase.metadata.tables[_TABLE]


def _sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite:///`` URL.

    Raises:
        ValueError: the URL is not a file-backed SQLite database.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ValueError("the bench's vector cache copies between SQLite files only")
    return Path(url.database)


def _prepare(cache: Path) -> None:
    """Create ``cache`` with the vector table (the service's own schema) if it lacks it."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{cache}")
    try:
        KnowledgeBase.metadata.create_all(engine, tables=[_ROW_TABLE])
    finally:
        engine.dispose()


def _copy(database: Path, cache: Path, *, into_cache: bool) -> int:
    _prepare(cache)
    source, target = ("main", "cached") if into_cache else ("cached", "main")
    connection = sqlite3.connect(database, timeout=30)
    try:
        connection.execute("ATTACH DATABASE ? AS cached", (str(cache),))
        with connection:
            before = connection.total_changes
            connection.execute(
                f"INSERT OR IGNORE INTO {target}.{_TABLE} "  # noqa: S608 - fixed names
                f"(model, text_hash, dimension, vector, created_at) "
                f"SELECT model, text_hash, dimension, vector, created_at FROM {source}.{_TABLE}"
            )
            copied = connection.total_changes - before
        connection.execute("DETACH DATABASE cached")
    finally:
        connection.close()
    return copied


def seed_vectors(database_url: str, cache: Path = BENCH_VECTOR_CACHE) -> int:
    """Copy the cached passage vectors into the (migrated) database at ``database_url``.

    Rows the database already has are kept. Returns how many rows were copied.

    Raises:
        ValueError: ``database_url`` is not a file-backed SQLite database.
        sqlite3.Error: a file cannot be read or written, or the database is not migrated.
    """
    copied = _copy(_sqlite_path(database_url), cache, into_cache=False)
    logger.info("bench vectors seeded", extra={"rows": copied})
    return copied


def keep_vectors(database_url: str, cache: Path = BENCH_VECTOR_CACHE) -> int:
    """Copy the database's passage vectors the cache lacks into ``cache``; returns how many.

    Raises:
        ValueError: ``database_url`` is not a file-backed SQLite database.
        sqlite3.Error: a file cannot be read or written.
    """
    copied = _copy(_sqlite_path(database_url), cache, into_cache=True)
    logger.info("bench vectors kept", extra={"rows": copied})
    return copied
