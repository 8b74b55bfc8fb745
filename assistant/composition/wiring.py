"""Shared state of a built runtime: dialogue sessions in Redis, changes on the change feed.

:func:`attach_shared_state` is the last step of :func:`~assistant.runtime.build_runtime`:

* with ``DAOBAN_REDIS_URL`` set, the dialogue store becomes :class:`RedisSessionStore`
  (a follow-up may land on any worker); unset, it stays in memory (the embedded default);
* a :class:`ChangeFeed` is attached: publishes, retirements and imports (the store),
  lexicon changes and approved corrections (the guardrails) are announced on it, and each
  kind has an applier that reloads it from the database. The feed's listener is started by
  the HTTP service only (:func:`start_following`); a CLI command announces and exits.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from assistant.composition.change_feed import ChangeFeed, ChangeKind, worker_id
from assistant.composition.sessions import RedisSessionStore

if TYPE_CHECKING:
    from assistant.runtime import Runtime

logger = logging.getLogger(__name__)


def attach_shared_state(runtime: Runtime) -> ChangeFeed:
    """Wire Redis sessions (when configured) and the change feed into ``runtime``."""
    settings = runtime.settings
    if settings.redis_url:
        sessions = RedisSessionStore.from_url(
            settings.redis_url, ttl_s=settings.assistant.session_ttl_s
        )
        runtime.dialogue = sessions
        runtime.pipeline.sessions = sessions
        runtime.health_probes["dialogue"] = lambda: (
            sessions.ping(), f"redis, ttl {settings.assistant.session_ttl_s} s"
        )
    else:
        runtime.health_probes["dialogue"] = lambda: (
            True, "memory (one process: set DAOBAN_REDIS_URL for several workers)"
        )  # fmt: skip
    feed = ChangeFeed(
        runtime.sessions_db,
        origin=worker_id(),
        redis_url=settings.redis_url,
        poll_s=settings.assistant.change_poll_s,
    )
    runtime.feed = feed
    store = runtime.store
    lexicon, review = runtime.guardrails.lexicon, runtime.guardrails.review

    def catalogue_changed(_matters: object) -> None:
        feed.announce(ChangeKind.CATALOGUE)

    def lexicon_changed() -> None:
        feed.announce(ChangeKind.LEXICON)

    def corrections_changed() -> None:
        feed.announce(ChangeKind.CORRECTIONS)

    store.subscribe(catalogue_changed)
    lexicon.subscribe(lexicon_changed)
    review.subscribe(corrections_changed)
    feed.on(ChangeKind.CATALOGUE, store.notify_subscribers)
    feed.on(ChangeKind.LEXICON, lexicon.reload)
    feed.on(ChangeKind.CORRECTIONS, review.load_corrections)
    feed.on(ChangeKind.POLICY, lexicon.reload)
    backend = runtime.engine.dialect.name
    runtime.health_probes["change_feed"] = lambda: (
        feed.connected or settings.redis_url is None,
        _feed_detail(feed, settings.redis_url is not None, backend),
    )
    return feed


def _feed_detail(feed: ChangeFeed, redis: bool, backend: str) -> str:
    via = "redis pub/sub" if redis else f"polling {backend}"
    note = ""
    if backend == "sqlite":
        note = " (SQLite: one process; use PostgreSQL for several workers)"
    return f"worker {os.getpid()}: {via}, seq {feed.last_seq}, {feed.applied} applied{note}"


def start_following(runtime: Runtime) -> None:
    """Start applying other workers' changes (the HTTP service's lifespan calls this)."""
    if runtime.feed is not None:
        runtime.feed.start()
        logger.info("following the change feed", extra={"seq": runtime.feed.last_seq})


def stop_following(runtime: Runtime) -> None:
    """Stop the change-feed listener."""
    if runtime.feed is not None:
        runtime.feed.stop()
