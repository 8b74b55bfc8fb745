"""Kiosk sessions: one citizen at a time, nothing carried over (GB/T 47483 §9.4.1 d).

A kiosk is shared. A :class:`KioskSession` holds what belongs to one citizen and ends when
the ID card is removed, after ``idle_timeout_s`` without activity, or when the kiosk reports
a new citizen. Ending calls the ``on_end`` hooks (the assistant drops the dialogue state) and
forgets everything; the next citizen gets a fresh random session id.

A session has two halves:

* the **shared record** (:class:`SessionRecord`) — session id, kiosk id, the credential that
  started it, start and last-touched times (epoch seconds), elderly mode, whether a card was
  read and by which worker, and the *ended* fact with its reason. Nothing personal. It lives
  in a :class:`SessionBackend`: :class:`MemorySessionBackend` (the embedded default, one
  process) or :class:`RedisSessionBackend` (``DAOBAN_REDIS_URL`` set: every worker of every
  node sees the same session under ``daoban:kiosk-session:<kiosk id>``, with a TTL);
* the **worker's memory** (the rest of :class:`KioskSession`) — the pre-filled form read from
  the citizen's ID card, audio, the low-confidence count and keyboard mode. The form never
  leaves the worker that read the card: another worker sees ``card_read`` (no values) and
  refuses to serve the form with 409 ``kiosk.card_elsewhere`` (请重新刷卡).

Every access reads the shared record, so a session ended on one worker is ended for every
other at its next access; the sweeper (:meth:`SessionManager.sweep_forever`) drops the form a
worker holds for a session ended elsewhere at once (the end is announced on the Redis channel
:data:`ENDED_CHANNEL`, kiosk id only) and in any case within ``check_interval_s`` (1 s by
default: a missed announcement or an idle timeout).

Example:
    >>> sessions = SessionManager(idle_timeout_s=120)
    >>> session = sessions.start("kiosk-1")
    >>> sessions.end("kiosk-1", EndReason.CARD_REMOVED)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from daoban import redis_client
from kiosk_bridge.errors import (
    CardElsewhereError,
    CardNotReadError,
    SessionEndedError,
    SessionStoreUnavailableError,
)
from kiosk_bridge.prefill import PrefilledForm

logger = logging.getLogger(__name__)

KEY_PREFIX = "daoban:kiosk-session:"
"""Redis key of a kiosk's shared session record (a hash): ``daoban:kiosk-session:<kiosk id>``."""

ENDED_CHANNEL = "daoban:kiosk-session-ended"
"""Redis pub/sub channel an end is announced on (the message is the kiosk id, nothing else):
the worker holding the session's form drops it at once instead of at its next sweep."""


class EndReason(StrEnum):
    """Why a kiosk session ended."""

    CARD_REMOVED = "card_removed"
    IDLE_TIMEOUT = "idle_timeout"
    NEW_CITIZEN = "new_citizen"
    FINISHED = "finished"


class SessionRecord(BaseModel):
    """The non-personal, shared half of a kiosk session (what every worker may see).

    Times are epoch seconds (UTC) of the clock the :class:`SessionManager` was given.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kiosk_id: str
    session_id: str
    owner: str | None = None
    """The kiosk id of the credential that started it; None for an anonymous caller."""
    started_at: float
    last_active: float
    elderly: bool = False
    card_read: bool = False
    """An ID card was read into this session (the form is in ``card_worker``'s memory)."""
    card_worker: str | None = None
    ended: bool = False
    end_reason: EndReason | None = None


class SessionBackend(Protocol):
    """Where the shared records live; every method is atomic per kiosk.

    Raises (every method): :class:`~kiosk_bridge.errors.SessionStoreUnavailableError` when
    the store cannot be reached.
    """

    shared: bool
    """Whether other processes see these records (Redis) or only this one (memory)."""

    def load(self, kiosk_ids: Sequence[str]) -> list[SessionRecord | None]:
        """The record of each kiosk (ended ones included), None where there is none."""
        ...

    def create(self, record: SessionRecord) -> None:
        """Store ``record`` as the kiosk's session, replacing whatever was there."""
        ...

    def touch(self, kiosk_id: str, session_id: str, now: float, *,
              card_worker: str | None = None) -> bool:
        """Set ``last_active`` if ``session_id`` is the kiosk's live session, else False.

        With ``card_worker``, also record that a card was read there. Nothing is written
        when False.
        """
        ...

    def end(self, kiosk_id: str, session_id: str | None, reason: EndReason, now: float, *,
            idle_before: float | None = None) -> str | None:
        """Mark the kiosk's live session ended; its id, or None when there was none.

        Only ``session_id`` when given; only if not active since ``idle_before`` when given.
        """
        ...

    def ping(self) -> bool:
        """Whether the store answers now."""
        ...

    def wait_for_end(self, timeout_s: float) -> bool:
        """Block until another worker announces an end, or ``timeout_s``; True when one did."""
        ...


class MemorySessionBackend:
    """Records in this process only (the embedded default: one worker)."""

    shared = False

    def __init__(self) -> None:
        self._records: dict[str, SessionRecord] = {}
        self._lock = threading.Lock()

    def load(self, kiosk_ids: Sequence[str]) -> list[SessionRecord | None]:
        """See :class:`SessionBackend`."""
        with self._lock:
            return [self._records.get(k) for k in kiosk_ids]

    def create(self, record: SessionRecord) -> None:
        """See :class:`SessionBackend`."""
        with self._lock:
            self._records[record.kiosk_id] = record

    def touch(self, kiosk_id: str, session_id: str, now: float, *,
              card_worker: str | None = None) -> bool:
        """See :class:`SessionBackend`."""
        with self._lock:
            record = self._records.get(kiosk_id)
            if record is None or record.ended or record.session_id != session_id:
                return False
            update: dict[str, Any] = {"last_active": now}
            if card_worker is not None:
                update |= {"card_read": True, "card_worker": card_worker}
            self._records[kiosk_id] = record.model_copy(update=update)
            return True

    def end(self, kiosk_id: str, session_id: str | None, reason: EndReason, now: float, *,
            idle_before: float | None = None) -> str | None:
        """See :class:`SessionBackend`; an ended record is dropped (nobody else reads it)."""
        del reason, now
        with self._lock:
            record = self._records.get(kiosk_id)
            if record is None or record.ended:
                return None
            if session_id is not None and record.session_id != session_id:
                return None
            if idle_before is not None and record.last_active >= idle_before:
                return None
            del self._records[kiosk_id]
            return record.session_id

    def ping(self) -> bool:
        """Always True."""
        return True

    def wait_for_end(self, timeout_s: float) -> bool:
        """Sleep ``timeout_s`` (one process: ends are seen synchronously); False."""
        time.sleep(timeout_s)
        return False


_TOUCH = """
if redis.call('HGET', KEYS[1], 'session_id') ~= ARGV[1]
   or redis.call('HGET', KEYS[1], 'ended') == '1' then
  return 0
end
redis.call('HSET', KEYS[1], 'last_active', ARGV[2])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'card_read', '1', 'card_worker', ARGV[4])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

_END = """
local current = redis.call('HGET', KEYS[1], 'session_id')
if not current or redis.call('HGET', KEYS[1], 'ended') == '1' then return false end
if ARGV[1] ~= '' and current ~= ARGV[1] then return false end
if ARGV[4] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'last_active'))
   >= tonumber(ARGV[4]) then
  return false
end
redis.call('HSET', KEYS[1], 'ended', '1', 'end_reason', ARGV[2], 'ended_at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return current
"""


def _encode(record: SessionRecord) -> dict[str, str]:
    return {
        "kiosk_id": record.kiosk_id, "session_id": record.session_id,
        "owner": record.owner or "", "started_at": repr(record.started_at),
        "last_active": repr(record.last_active), "elderly": "1" if record.elderly else "0",
        "card_read": "1" if record.card_read else "0", "card_worker": record.card_worker or "",
        "ended": "1" if record.ended else "0",
        "end_reason": record.end_reason.value if record.end_reason else "",
    }  # fmt: skip


def _decode(raw: dict[bytes, bytes]) -> SessionRecord | None:
    if not raw:
        return None
    values = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in raw.items()}
    try:
        return SessionRecord(
            kiosk_id=values["kiosk_id"], session_id=values["session_id"],
            owner=values.get("owner") or None, started_at=float(values["started_at"]),
            last_active=float(values["last_active"]), elderly=values.get("elderly") == "1",
            card_read=values.get("card_read") == "1",
            card_worker=values.get("card_worker") or None, ended=values.get("ended") == "1",
            end_reason=EndReason(values["end_reason"]) if values.get("end_reason") else None,
        )  # fmt: skip
    except (KeyError, ValueError):
        return None  # a malformed record reads as none: the kiosk starts a new session


class RedisSessionBackend:
    """Records in Redis, one hash per kiosk (:data:`KEY_PREFIX`), shared by every worker.

    A live record expires ``ttl_s`` after its last touch (at least the idle timeout plus a
    margin, so an abandoned kiosk's record goes away even if no worker sweeps it); an ended
    record stays ``ttl_s`` as the *ended* fact other workers read. Conditional writes are Lua
    scripts, so a touch never revives a session another worker has just ended.

    Args:
        client: A ``redis.Redis`` (the composition root passes the dialogue store's client).
        ttl_s: Time-to-live of a record (s).
    """

    shared = True

    def __init__(self, client: Any, *, ttl_s: int) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._touch = client.register_script(_TOUCH)
        self._end = client.register_script(_END)
        self._pubsub: Any = None
        self.failures = 0
        """Redis calls that failed (each answered 503 ``kiosk.session_unavailable``)."""

    @classmethod
    def from_url(cls, url: str, *, ttl_s: int) -> RedisSessionBackend:
        """Connect lazily to the Redis at ``url`` (``redis://host:port/db``)."""
        return cls(redis_client.connect(url), ttl_s=ttl_s)

    @property
    def client(self) -> Any:
        """The ``redis.Redis`` client (shared with the card seal's replay guard)."""
        return self._client

    def load(self, kiosk_ids: Sequence[str]) -> list[SessionRecord | None]:
        """See :class:`SessionBackend`."""
        try:
            pipe = self._client.pipeline(transaction=False)
            for kiosk_id in kiosk_ids:
                pipe.hgetall(KEY_PREFIX + kiosk_id)
            return [_decode(raw) for raw in pipe.execute()]
        except Exception as exc:  # noqa: BLE001 - redis raises many kinds
            raise self._failed("load", exc) from None

    def create(self, record: SessionRecord) -> None:
        """See :class:`SessionBackend`."""
        key = KEY_PREFIX + record.kiosk_id
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(key)
            pipe.hset(key, mapping=_encode(record))
            pipe.expire(key, self._ttl_s)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            raise self._failed("create", exc) from None

    def touch(self, kiosk_id: str, session_id: str, now: float, *,
              card_worker: str | None = None) -> bool:
        """See :class:`SessionBackend`."""
        try:
            return bool(self._touch(keys=[KEY_PREFIX + kiosk_id],
                                    args=[session_id, repr(now), self._ttl_s, card_worker or ""]))
        except Exception as exc:  # noqa: BLE001
            raise self._failed("touch", exc) from None

    def end(self, kiosk_id: str, session_id: str | None, reason: EndReason, now: float, *,
            idle_before: float | None = None) -> str | None:
        """See :class:`SessionBackend`."""
        try:
            ended = self._end(keys=[KEY_PREFIX + kiosk_id],
                              args=[session_id or "", reason.value, self._ttl_s,
                                    "" if idle_before is None else repr(idle_before), repr(now)])
        except Exception as exc:  # noqa: BLE001
            raise self._failed("end", exc) from None
        if not ended:
            return None
        try:
            self._client.publish(ENDED_CHANNEL, kiosk_id)
        except Exception as exc:  # noqa: BLE001 - the holders' sweep still sees the record
            self._failed("announce", exc)
        return str(ended.decode("ascii", "replace"))

    def wait_for_end(self, timeout_s: float) -> bool:
        """Block on :data:`ENDED_CHANNEL` for up to ``timeout_s``; True when an end came.

        Called from one thread at a time (the sweeper's); Redis down: sleeps and retries
        with a new subscription at the next call.
        """
        try:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(ENDED_CHANNEL)
            return self._pubsub.get_message(timeout=timeout_s) is not None
        except Exception as exc:  # noqa: BLE001
            self._pubsub = None
            logger.debug("kiosk sessions: end channel unavailable (%s)", type(exc).__name__)
            time.sleep(timeout_s)
            return False

    def close(self) -> None:
        """Drop the end-channel subscription."""
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                pubsub.close()

    def ping(self) -> bool:
        """Whether Redis answers now."""
        return redis_client.answers(self._client)

    def _failed(self, operation: str, exc: Exception) -> SessionStoreUnavailableError:
        self.failures += 1
        logger.warning("kiosk sessions: Redis %s failed (%s)", operation, type(exc).__name__,
                       extra={"failures": self.failures})
        return SessionStoreUnavailableError()


def worker_name() -> str:
    """This process's name in ``card_worker``: host, pid and a random suffix (no personal data)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class KioskSession:
    """One citizen's session at one kiosk, as this worker sees it.

    The first fields mirror the shared :class:`SessionRecord` (refreshed at each access); the
    form, audio, low-confidence count and keyboard mode are this worker's memory only.
    """

    kiosk_id: str
    session_id: str
    started_at: float
    last_active: float
    elderly: bool = False
    owner: str | None = None
    card_read: bool = False
    low_confidence_turns: int = 0
    keyboard_mode: bool = False
    form: PrefilledForm | None = field(default=None, repr=False)
    audio: bytearray = field(default_factory=bytearray, repr=False)

    def forget(self) -> None:
        """Drop everything this worker holds of the citizen (form, audio)."""
        self.form = None
        self.audio.clear()


class SessionManager:
    """Sessions by kiosk id; see the module docstring.

    Args:
        idle_timeout_s: Inactivity that ends a session (s).
        clock: Epoch seconds (injected in tests); every worker sharing a backend must use
            the same clock, so wall time, not a monotonic one.
        backend: Where the shared records live; memory (one process) when None.
        check_interval_s: Longest interval of :meth:`sweep_forever` (s): the bound on how
            long a form is held after its session ended on another worker.
        worker: This process's name in the records (:func:`worker_name` when None).
    """

    def __init__(self, *, idle_timeout_s: float = 120, clock: Callable[[], float] = time.time,
                 backend: SessionBackend | None = None, check_interval_s: float = 1.0,
                 worker: str | None = None) -> None:
        self._idle = idle_timeout_s
        self._clock = clock
        self._backend: SessionBackend = backend or MemorySessionBackend()
        self._check_s = check_interval_s
        self.worker = worker or worker_name()
        self._local: dict[str, KioskSession] = {}
        self._hooks: list[Callable[[str, EndReason], None]] = []

    @property
    def shared(self) -> bool:
        """Whether the records are shared with other workers (Redis)."""
        return self._backend.shared

    def status(self) -> tuple[bool, str]:
        """(healthy, detail) for ``/health``."""
        if not self._backend.shared:
            return True, "memory (one process: set DAOBAN_REDIS_URL for several workers)"
        return self._backend.ping(), (f"redis, forms held by the worker that read the card; "
                                      f"ended sessions dropped within {self._check_s:g} s")

    def on_end(self, hook: Callable[[str, EndReason], None]) -> None:
        """Call ``hook(session_id, reason)`` whenever this worker ends a session."""
        self._hooks.append(hook)

    def start(self, kiosk_id: str, *, elderly: bool = False,
              owner: str | None = None) -> KioskSession:
        """A new citizen: end whatever session the kiosk had, start a fresh one.

        ``owner`` is the kiosk id of the calling credential (None: anonymous).

        Raises:
            SessionStoreUnavailableError: The shared store does not answer (503).
        """
        self.end(kiosk_id, EndReason.NEW_CITIZEN)
        now = self._clock()
        record = SessionRecord(kiosk_id=kiosk_id, session_id=secrets.token_hex(12),
                               owner=owner, started_at=now, last_active=now, elderly=elderly)
        self._backend.create(record)
        return self._adopt(record)

    def peek(self, kiosk_id: str) -> KioskSession | None:
        """The live session of a kiosk without touching it (an idle one ends here), or None.

        For the kiosk page, which polls so that it clears itself when the bridge's session
        ends (card removed, idle, new citizen); polling must not keep a session alive.

        Raises:
            SessionStoreUnavailableError: The shared store does not answer (503).
        """
        session = self._sync(kiosk_id, self._backend.load([kiosk_id])[0])
        if session is not None and self._clock() - session.last_active > self._idle:
            if self._end_idle(session):
                return None
            session = self._local.get(kiosk_id)  # touched on another worker meanwhile
        return session

    def current(self, kiosk_id: str) -> KioskSession:
        """The live session of a kiosk, touched; expired sessions end here.

        Raises:
            SessionEndedError: None live (never started, ended, or idle too long).
            SessionStoreUnavailableError: The shared store does not answer (503).
        """
        return self._touch(kiosk_id)

    def touch(self, kiosk_id: str) -> bool:
        """Mark the kiosk's session active (the citizen tapped or typed); False when none."""
        try:
            self.current(kiosk_id)
        except SessionEndedError:
            return False
        return True

    def hold_form(self, kiosk_id: str, form: PrefilledForm) -> KioskSession:
        """Keep ``form`` (read from the citizen's card) in this worker for the live session.

        The shared record says only that a card was read, and by which worker.

        Raises:
            SessionEndedError: No live session.
            SessionStoreUnavailableError: The shared store does not answer (503).
        """
        session = self._touch(kiosk_id, card_worker=self.worker)
        session.form = form
        session.card_read = True
        return session

    def held_form(self, kiosk_id: str) -> PrefilledForm:
        """The form read into the kiosk's live session, held by this worker (touches it).

        Raises:
            SessionEndedError: No live session.
            CardElsewhereError: The card was read on another worker (409: read it again).
            CardNotReadError: No card was read in this session (409).
            SessionStoreUnavailableError: The shared store does not answer (503).
        """
        session = self._touch(kiosk_id)
        if session.form is not None:
            return session.form
        if session.card_read:
            raise CardElsewhereError()
        raise CardNotReadError()

    def end(self, kiosk_id: str, reason: EndReason) -> bool:
        """End a kiosk's session on every worker, wiping this worker's part; False when none.

        Raises:
            SessionStoreUnavailableError: The shared store does not answer (503).
        """
        ended = self._backend.end(kiosk_id, None, reason, self._clock())
        self._drop(kiosk_id)
        if ended is None:
            return False
        self._ended(ended, reason)
        return True

    def sweep(self) -> int:
        """Drop what this worker holds of sessions ended anywhere, end its idle ones.

        Returns how many sessions this call ended for idleness. A store that does not
        answer is logged and skipped (the next sweep tries again).
        """
        kiosks = list(self._local)
        if not kiosks:
            return 0
        try:
            records = self._backend.load(kiosks)
        except SessionStoreUnavailableError:
            return 0
        idle = 0
        now = self._clock()
        for kiosk_id, record in zip(kiosks, records, strict=True):
            session = self._sync(kiosk_id, record)
            if session is not None and now - session.last_active > self._idle:
                try:
                    idle += self._end_idle(session)
                except SessionStoreUnavailableError:
                    continue
        return idle

    async def sweep_forever(self, interval_s: float | None = None) -> None:
        """Sweep every ``interval_s`` seconds until cancelled.

        The default interval is ``check_interval_s`` (1 s), at most a quarter of the idle
        timeout: a walked-away citizen's state does not linger in memory until the kiosk is
        next used, and a form held here is dropped within it when its session ends on
        another worker — at once with Redis, whose end announcements
        (:data:`ENDED_CHANNEL`) wake the sweeper. Run as a task of the app's lifespan.
        """
        interval = interval_s if interval_s is not None else min(self._idle / 4, self._check_s)
        while True:
            if self._backend.shared:  # woken at once when another worker ends a session
                await asyncio.to_thread(self._backend.wait_for_end, interval)
            else:
                await asyncio.sleep(interval)
            self.sweep()

    def close(self) -> None:
        """Release the store's resources (the end-channel subscription); idempotent."""
        closer = getattr(self._backend, "close", None)
        if callable(closer):
            closer()

    def holds_form(self, kiosk_id: str) -> bool:
        """Whether this worker's memory holds a form for the kiosk (no store access)."""
        session = self._local.get(kiosk_id)
        return session is not None and session.form is not None

    def __len__(self) -> int:
        """Live sessions this worker knows of (all of them with the memory backend)."""
        return len(self._local)

    # -- internals -------------------------------------------------------------------------

    def _touch(self, kiosk_id: str, *, card_worker: str | None = None) -> KioskSession:
        session = self.peek(kiosk_id)
        if session is None:
            raise SessionEndedError()
        now = self._clock()
        if not self._backend.touch(kiosk_id, session.session_id, now, card_worker=card_worker):
            self._drop(kiosk_id)  # ended on another worker meanwhile
            raise SessionEndedError()
        session.last_active = now
        return session

    def _adopt(self, record: SessionRecord) -> KioskSession:
        session = KioskSession(kiosk_id=record.kiosk_id, session_id=record.session_id,
                               started_at=record.started_at, last_active=record.last_active,
                               elderly=record.elderly, owner=record.owner,
                               card_read=record.card_read)
        self._local[record.kiosk_id] = session
        return session

    def _sync(self, kiosk_id: str, record: SessionRecord | None) -> KioskSession | None:
        """This worker's session for ``record`` (None when ended or gone: local part dropped)."""
        session = self._local.get(kiosk_id)
        if record is None or record.ended:
            self._drop(kiosk_id)
            return None
        if session is None or session.session_id != record.session_id:
            self._drop(kiosk_id)
            return self._adopt(record)
        session.last_active = record.last_active
        session.card_read = record.card_read
        if record.card_worker != self.worker:
            session.form = None  # a card read since on another worker replaces this one
        return session

    def _end_idle(self, session: KioskSession) -> int:
        now = self._clock()
        ended = self._backend.end(session.kiosk_id, session.session_id, EndReason.IDLE_TIMEOUT,
                                  now, idle_before=now - self._idle)
        if ended is None:  # touched or ended on another worker meanwhile
            self._sync(session.kiosk_id, self._backend.load([session.kiosk_id])[0])
            return 0
        self._drop(session.kiosk_id)
        self._ended(ended, EndReason.IDLE_TIMEOUT)
        return 1

    def _drop(self, kiosk_id: str) -> None:
        session = self._local.pop(kiosk_id, None)
        if session is not None:
            session.forget()

    def _ended(self, session_id: str, reason: EndReason) -> None:
        for hook in self._hooks:
            hook(session_id, reason)
        logger.info("kiosk session ended", extra={"reason": str(reason)})
