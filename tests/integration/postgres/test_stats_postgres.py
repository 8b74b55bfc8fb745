"""Usage statistics on PostgreSQL: the same checks as on SQLite (``test_stats_db``)."""

from __future__ import annotations

import pytest

from assistant.database import create_db_engine, make_sessionmaker, migrate
from tests.integration.test_stats_db import (
    check_answer_ids,
    check_buffered_flushes_of_many_keys,
    check_concurrent_upserts,
    check_retention,
    check_statistics,
)

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def test_statistics_on_postgres(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    try:
        check_statistics(sessions)
        check_concurrent_upserts(sessions)
        check_buffered_flushes_of_many_keys(sessions)
        check_retention(sessions)
        check_answer_ids(sessions)
    finally:
        engine.dispose()
