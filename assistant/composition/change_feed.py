"""The change feed: every worker of every node applies a change within seconds.

A change to what the service serves — a publish or retirement (catalogue), a lexicon term,
an approved correction, a policy reload — is written as a row of ``daoban_change_feed`` (a
monotonically increasing ``seq``, a kind, the origin worker) and then announced:

* with Redis configured (``DAOBAN_REDIS_URL``), on the pub/sub channel
  :data:`CHANNEL`; each worker's listener thread wakes up at once;
* always, by the row itself: the listener also reads the table every ``poll_s`` seconds, so
  a worker that missed a message (Redis restarted, connection dropped, no Redis at all)
  catches up from the database — nothing depends on the message arriving.

The listener applies the kinds it finds after its last ``seq`` (each kind once per batch, in
order), skipping changes its own worker made (already applied in-process). Appliers are
registered per kind with :meth:`ChangeFeed.on`.

Usage example::

    feed = ChangeFeed(sessions, origin=worker_id(), redis_url=settings.redis_url)
    feed.on(ChangeKind.CATALOGUE, reload_catalogue)
    feed.start()                         # listener thread: pub/sub + polling
    feed.announce(ChangeKind.CATALOGUE)  # after a publish committed
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.composition.tables import ChangeRow

logger = logging.getLogger(__name__)

CHANNEL = "daoban:changes"
"""Redis pub/sub channel the feed announces on (the message is the new ``seq``)."""


class ChangeKind(StrEnum):
    """What changed; each kind has one applier per worker."""

    CATALOGUE = "catalogue"
    """Published matters changed (publish, retire, import, roll back): reload and re-index."""
    LEXICON = "lexicon"
    """Reviewers' lexicon terms changed: rebuild the lexicon."""
    CORRECTIONS = "corrections"
    """An approved correction was stored: reload corrections."""
    POLICY = "policy"
    """The guardrail policy was reloaded."""


Applier = Callable[[], object]
"""Reloads one kind of change from the database; its return value is ignored."""


def worker_id() -> str:
    """An id for this process, unique across nodes: host, pid and a random suffix."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ChangeFeed:
    """Announce changes and apply other workers' changes; see the module docstring."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        origin: str,
        redis_url: str | None = None,
        poll_s: float = 2.0,
    ) -> None:
        """Create the feed (no I/O until :meth:`announce` or :meth:`start`).

        Args:
            session_factory: sessions on the migrated database.
            origin: this worker's id (see :func:`worker_id`).
            redis_url: Redis for immediate notification; ``None`` polls the database only.
            poll_s: seconds between database reads when no message comes (the bound on
                how late a change is applied when Redis is absent or a message was lost).
        """
        self._sessions = session_factory
        self.origin = origin
        self._redis_url = redis_url
        self._poll_s = poll_s
        self._appliers: dict[ChangeKind, list[Applier]] = {}
        self._last_seq = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._redis: Any = None
        self.applied = 0
        """How many changes of other workers this worker applied (for ``/health``)."""
        self.connected = False
        """Whether the Redis subscription is live now."""

    @property
    def last_seq(self) -> int:
        """The last change this worker has applied (or made)."""
        return self._last_seq

    def on(self, kind: ChangeKind, applier: Applier) -> None:
        """Call ``applier()`` when another worker announces ``kind``."""
        self._appliers.setdefault(kind, []).append(applier)

    def head(self) -> int:
        """The newest ``seq`` in the database (0 when empty)."""
        with self._sessions() as session:
            return int(session.scalar(select(func.max(ChangeRow.seq))) or 0)

    def announce(self, kind: ChangeKind) -> int:
        """Record ``kind`` (committed) and notify the other workers; returns its ``seq``.

        Call after the change itself committed. The notification is best effort: a worker
        that misses it reads the row at its next poll. A change being applied from the feed
        (on the listener thread) is not announced again; 0 is returned then.
        """
        if self._thread is not None and threading.current_thread() is self._thread:
            return 0
        with self._sessions.begin() as session:
            row = ChangeRow(kind=kind.value, origin=self.origin, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            seq = int(row.seq)
        self._publish(seq)
        logger.info("change announced", extra={"kind": kind.value, "seq": seq})
        return seq

    def _publish(self, seq: int) -> None:
        if self._redis_url is None:
            return
        try:
            client = self._client()
            client.publish(CHANNEL, str(seq))
        except Exception as exc:  # noqa: BLE001 - Redis down: the row is the fallback
            logger.warning("change feed: Redis publish failed (%s)", type(exc).__name__)

    def _client(self) -> Any:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                self._redis_url or "", socket_timeout=5, socket_connect_timeout=2
            )
        return self._redis

    # -- following ---------------------------------------------------------------------------
    def start(self, *, from_seq: int | None = None) -> None:
        """Start the listener thread, applying changes after ``from_seq`` (default: now).

        The worker's state was just built from the database, so changes before now are in it.
        """
        self._last_seq = self.head() if from_seq is None else from_seq
        self._thread = threading.Thread(target=self._follow, name="change-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the listener thread (within one poll interval)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._poll_s + 2)
        if self._redis is not None:
            self._redis.close()

    def catch_up(self) -> int:
        """Apply every change after the last applied ``seq``; returns how many rows were read.

        Each kind is applied once per batch; changes made by this worker are skipped. An
        applier that raises is logged and the others still run.
        """
        with self._lock:
            with self._sessions() as session:
                rows = session.execute(
                    select(ChangeRow.seq, ChangeRow.kind, ChangeRow.origin)
                    .where(ChangeRow.seq > self._last_seq)
                    .order_by(ChangeRow.seq)
                ).all()
            if not rows:
                return 0
            kinds: dict[ChangeKind, None] = {}
            for _seq, kind, origin in rows:
                if origin != self.origin and kind in ChangeKind._value2member_map_:
                    kinds[ChangeKind(kind)] = None
            for kind in kinds:
                for applier in self._appliers.get(kind, []):
                    try:
                        applier()
                    except Exception:
                        logger.exception("change feed: applying %s failed", kind.value)
                self.applied += 1
            self._last_seq = int(rows[-1][0])
            if kinds:
                logger.info(
                    "changes applied",
                    extra={"kinds": ",".join(k.value for k in kinds), "seq": self._last_seq},
                )
            return len(rows)

    def _follow(self) -> None:
        while not self._stop.is_set():
            if self._redis_url is None:
                self._poll_once()
                self._stop.wait(self._poll_s)
                continue
            try:
                self._listen()
            except Exception as exc:  # noqa: BLE001 - reconnect, catching up from the table
                self.connected = False
                logger.warning("change feed: Redis unavailable (%s); polling", type(exc).__name__)
                self._poll_once()
                self._stop.wait(self._poll_s)

    def _poll_once(self) -> None:
        try:
            self.catch_up()
        except Exception as exc:  # noqa: BLE001 - database briefly away: next poll retries
            logger.warning("change feed: catch-up failed (%s)", type(exc).__name__)

    def _listen(self) -> None:
        pubsub = self._client().pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(CHANNEL)
            self.connected = True
            self._poll_once()  # what was missed while not subscribed
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=self._poll_s)
                # A message wakes us at once; silence still polls (a lost message is caught).
                del message
                self._poll_once()
        finally:
            self.connected = False
            pubsub.close()
