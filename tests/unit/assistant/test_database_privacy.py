"""A failed write never prints its SQL parameters (issue 9: personal data in error logs)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError

from assistant.database import create_db_engine

ID_NUMBER = "110101199003077475"


def test_failed_write_hides_parameters(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    engine = create_db_engine("sqlite://")
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("v", String(40)))
    metadata.create_all(engine)
    with pytest.raises(IntegrityError) as raised, engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "v": ID_NUMBER}, {"id": 1, "v": ID_NUMBER}])
    assert ID_NUMBER not in str(raised.value)
    assert "hide_parameters" in str(raised.value)
    assert ID_NUMBER not in caplog.text
    engine.dispose()


def test_postgres_engine_hides_parameters_too() -> None:
    engine = create_db_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert engine.hide_parameters
    engine.dispose()
