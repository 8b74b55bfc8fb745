"""Database engine and schema migrations (SQLAlchemy 2.0 + Alembic).

One engine per process, built by the app's lifespan or the CLI and passed down; nothing here
runs at import. The schema is owned by Alembic (``assistant/migrations``) and brought to the
head revision by :func:`migrate` at start-up.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def create_db_engine(url: str) -> Engine:
    """Create an engine for ``url``; for a SQLite file, create its folder first.

    SQLite gets foreign keys on and a busy timeout so that the CLI and the service can share
    one file. SQL parameters are hidden from errors and logs (``hide_parameters``): a failed
    write's message names the statement, never the values, which may be personal data
    (GB/T 47483 §9.4.1 d).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 15, "check_same_thread": False}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration that migrates ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser interpolates "%": escape it (URL-encoded options such as search_path).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the database of ``engine`` to the newest schema revision."""
    command.upgrade(alembic_config(engine), "head")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
