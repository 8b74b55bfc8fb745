"""The store's suite against the real PostgreSQL server (127.0.0.1:5432/test)."""

import pytest

from tests.integration.test_store import (
    check_import_is_all_or_nothing,
    check_life_cycle,
    make_store,
)

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def test_life_cycle_postgres(postgres_url):
    check_life_cycle(make_store(postgres_url))


def test_import_all_or_nothing_postgres(postgres_url):
    check_import_is_all_or_nothing(make_store(postgres_url))
