"""First-start seeding: the bundled SAMPLE matters, loaded once even when many workers start.

Samples are loaded only by ``daoban serve`` on a first start (an empty knowledge base, and
``knowledge.load_samples_on_first_start``), by ``daoban ask`` on an empty embedded SQLite
database (so the quick start answers), or by an explicit ``daoban kb load-samples`` — never as
a side effect of another command.

Several workers (or nodes) starting on one empty database must not each load them: the check
"is it empty?" and the import run under a lock — a PostgreSQL advisory lock
(``pg_advisory_lock``) held on one connection for the duration, or on SQLite (the one-process
embedded default) an exclusive ``flock`` on a file next to the database.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from knowledge.settings import KnowledgeSettings
from knowledge.store import ImportResult, MatterStore

logger = logging.getLogger(__name__)

SAMPLE_EDITOR = "sample-loader"
SEED_LOCK_KEY = 0x64616F62  # "daob": the advisory-lock key of first-start seeding


@contextmanager
def database_lock(engine: Engine, key: int = SEED_LOCK_KEY) -> Iterator[None]:
    """Hold a lock shared by every process on ``engine``'s database while inside.

    PostgreSQL: a session-level advisory lock on a dedicated connection. SQLite: an exclusive
    ``flock`` on ``<database file>.lock`` (in-memory databases need none: one process).
    """
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
        return
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_samples(
    store: MatterStore, settings: KnowledgeSettings,
    within: Callable[[Session, ImportResult], None] | None = None,
) -> int:
    """Import and publish the sample matters (the configured folder, or the bundled one).

    ``within`` runs in the import's transaction (the audit entry).

    Returns:
        How many matters were read and published.
    """
    # The importers (document readers, mapping, normalisation) load only when samples are read.
    from knowledge.importers import BUNDLED_SAMPLES_DIR, read_matter_dir

    folder = settings.samples_dir or BUNDLED_SAMPLES_DIR
    contents = read_matter_dir(folder)
    store.import_matters(contents, editor=SAMPLE_EDITOR, publish=True, within=within)
    return len(contents)


def _seeding_audit(engine: Engine) -> Callable[[Session, ImportResult], None]:
    """Audit the first-start load as the service itself, in the import's own transaction."""
    from assistant.database import make_sessionmaker
    from guardrails.audit import SYSTEM_ACTOR, AuditLog

    log = AuditLog(make_sessionmaker(engine))

    def within(session: Session, result: ImportResult) -> None:
        log.add(session, SYSTEM_ACTOR, "matter.import.samples", "catalogue:samples",
                f"{len(result.outcomes)} SAMPLE matters, {result.published} published")

    return within


def seed_samples_once(engine: Engine, store: MatterStore, settings: KnowledgeSettings) -> int:
    """Load the samples if the knowledge base is empty, under :func:`database_lock`.

    Returns:
        How many matters were loaded (0 when the base was not empty, or seeding is off).
    """
    if not settings.load_samples_on_first_start:
        return 0
    if store.count() > 0:  # the common case, without taking the lock
        return 0
    with database_lock(engine):
        if store.count() > 0:  # another worker seeded while we waited
            return 0
        count = load_samples(store, settings, within=_seeding_audit(engine))
    logger.warning(
        "knowledge base was empty: loaded SAMPLE matters (not a region's list)",
        extra={"count": count},
    )
    return count
