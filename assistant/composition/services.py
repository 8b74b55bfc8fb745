"""Services built on demand: each CLI command pays only for what it touches.

``daoban kb list`` needs the database and the matter store; ``daoban ask`` needs the whole
pipeline; ``daoban --help`` needs nothing. :class:`Services` is what the CLI root hands to its
commands (``ctx.obj()``): the database is opened (and migrated) when first used, the store is
built without the guardrails (its content check builds them only when a matter is written),
and the full :class:`~assistant.runtime.Runtime` — classifiers, index, embedder — is built the
first time a command asks for the pipeline, the retriever or the guardrails.

Every store built here announces publishes on the change feed, so a CLI publish reaches the
running workers (see :mod:`assistant.composition.change_feed`).

Usage example::

    services = Services(load_settings())
    services.store.list()          # database + store only
    services.pipeline              # now the full runtime (no sample loading unless ``seed``)
    services.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from assistant.composition.change_feed import ChangeFeed
    from assistant.runtime import Runtime
    from assistant.settings import Settings
    from knowledge.models import MatterContent
    from knowledge.store import MatterStore


class Services:
    """Lazily built services of one CLI command; see the module docstring."""

    def __init__(self, settings: Settings, *, seed_embedded: bool = False) -> None:
        """Nothing is built here.

        Args:
            settings: the process's settings.
            seed_embedded: when the full runtime is built on an empty embedded SQLite database,
                load the sample matters first (``daoban ask`` on a fresh install); never on
                another database.
        """
        self.settings = settings
        self._seed_embedded = seed_embedded
        self._engine: Engine | None = None
        self._sessions_db: sessionmaker[Session] | None = None
        self._store: MatterStore | None = None
        self._feed: ChangeFeed | None = None
        self._runtime: Runtime | None = None

    # -- light services ------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The database engine, migrated to the newest schema on first use."""
        if self._runtime is not None:
            return self._runtime.engine
        if self._engine is None:
            from assistant.database import create_db_engine, migrate

            self._engine = create_db_engine(self.settings.database_url)
            migrate(self._engine)
        return self._engine

    @property
    def sessions_db(self) -> sessionmaker[Session]:
        """Sessions on the migrated database."""
        if self._runtime is not None:
            return self._runtime.sessions_db
        if self._sessions_db is None:
            from assistant.database import make_sessionmaker

            self._sessions_db = make_sessionmaker(self.engine)
        return self._sessions_db

    @property
    def feed(self) -> ChangeFeed:
        """The change feed, to announce changes made by this command (no listener)."""
        if self._runtime is not None and self._runtime.feed is not None:
            return self._runtime.feed
        if self._feed is None:
            from assistant.composition.change_feed import ChangeFeed, worker_id

            self._feed = ChangeFeed(
                self.sessions_db, origin=worker_id(), redis_url=self.settings.redis_url
            )
        return self._feed

    @property
    def store(self) -> MatterStore:
        """The matter store; its content check builds the guardrails on the first write."""
        if self._runtime is not None:
            return self._runtime.store
        if self._store is None:
            from assistant.composition.change_feed import ChangeKind
            from knowledge.store import MatterStore

            self._store = MatterStore(self.sessions_db, content_check=self._content_check)
            feed = self.feed

            def catalogue_changed(_matters: object) -> None:
                feed.announce(ChangeKind.CATALOGUE)

            self._store.subscribe(catalogue_changed)
        return self._store

    def _content_check(self, content: MatterContent) -> list[str]:
        from assistant.runtime import matter_content_check
        from guardrails.policy import build_guardrails

        if not hasattr(self, "_check"):
            guard = build_guardrails(self.settings.guardrails, self.sessions_db)
            # The matter check loads the lexicon only: no classifier is trained.
            self._check = matter_content_check(guard.matters)
        return self._check(content)

    # -- the full runtime ------------------------------------------------------------------------
    def runtime(self) -> Runtime:
        """The full runtime (pipeline, retriever, guardrails), built once."""
        if self._runtime is None:
            from assistant.composition.seeding import seed_samples_once
            from assistant.runtime import build_runtime

            if self._seed_embedded and self.settings.database_url.startswith("sqlite"):
                from knowledge.store import MatterStore

                seed_samples_once(
                    self.engine, MatterStore(self.sessions_db), self.settings.knowledge
                )
            self._runtime = build_runtime(self.settings, seed=False)
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
                self._sessions_db = None
                self._store = None
                self._feed = None
        return self._runtime

    def __getattr__(self, name: str) -> Any:
        """Anything else (``pipeline``, ``retriever``, ``guardrails``, ...) from the runtime."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.runtime(), name)

    def close(self) -> None:
        """Release the database connections of whatever was built."""
        if self._runtime is not None:
            self._runtime.close()
        if self._engine is not None:
            self._engine.dispose()
