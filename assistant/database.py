"""Database engine and schema migrations (SQLAlchemy 2.0 + Alembic).

One engine per process, built by the app's lifespan or the CLI and passed down; nothing here
runs at import. The schema is owned by Alembic (``assistant/migrations``) and brought to the
head revision by :func:`migrate` at start-up.
"""

from __future__ import annotations

import ast
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSIONS_DIR = MIGRATIONS_DIR / "versions"


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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser interpolates "%": escape it (URL-encoded options such as search_path).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the database of ``engine`` to the newest schema revision.

    A database already at the head revision (its ``alembic_version`` holds exactly the head
    of ``assistant/migrations/versions``, read by :func:`script_head`) is left as it is
    without loading Alembic, whose import and environment cost about 0.3 s of every CLI
    command; anything else — an older or unknown revision, no version table, a revision
    graph :func:`script_head` does not read — goes through ``alembic upgrade head``.
    """
    if _at_head(engine, script_head(VERSIONS_DIR)):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


_SCRIPT_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


def _script_names(path: Path) -> dict[str, object] | None:
    """The literal revision identifiers a migration script assigns, or None when not literal."""
    try:
        tree = ast.parse(path.read_bytes(), filename=path.name)
    except (OSError, SyntaxError, ValueError):
        return None
    names: dict[str, object] = {}
    for node in tree.body:
        target: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id in _SCRIPT_NAMES:
            try:
                names[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    return names


@cache
def script_head(versions: Path) -> str | None:
    """The single head revision of the migration scripts in ``versions``, read without Alembic.

    Each script's ``revision`` and ``down_revision`` are read as literals. None — Alembic
    decides then — unless every ``*.py`` script assigns a string ``revision`` and a string or
    None ``down_revision``, none has branch labels or dependencies, revisions are unique,
    every ``down_revision`` is one of them and names no other script's parent, and the head
    leads down to the root through every script (one unbranched line).
    """
    parents: dict[str, str | None] = {}
    for path in sorted(versions.glob("*.py")):
        names = _script_names(path)
        if names is None:
            return None
        revision, down = names.get("revision"), names.get("down_revision")
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
            return None
        if names.get("branch_labels") is not None or names.get("depends_on") is not None:
            return None
        if revision in parents:
            return None
        parents[revision] = down
    downs = [down for down in parents.values() if down is not None]
    if len(downs) != len(set(downs)) or not set(downs) <= set(parents):
        return None  # a branch point or a missing parent
    heads = set(parents) - set(downs)
    if len(heads) != 1:
        return None
    head = heads.pop()
    line: list[str] = []  # from the head down to the root: every script, no cycle
    current: str | None = head
    while current is not None and len(line) <= len(parents):
        line.append(current)
        current = parents[current]
    return head if current is None and len(line) == len(parents) else None


def _at_head(engine: Engine, head: str | None) -> bool:
    """True when ``engine``'s database records exactly ``head`` as its schema revision."""
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return False
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError as exc:
        logger.info(
            "schema revision not read, Alembic checks it", extra={"error": type(exc).__name__}
        )
        return False
    return [row[0] for row in rows] == [head]


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
