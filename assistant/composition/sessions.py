"""Dialogue state shared by every worker: Redis with a TTL when ``DAOBAN_REDIS_URL`` is set.

A citizen's follow-up ("那要多久") may land on another worker or another node; the state —
a matter code and an aspect, no text, no personal data (see :mod:`assistant.dialogue`) — is
therefore kept in Redis under ``daoban:dialogue:<session id>`` with the session TTL, renewed
on every turn. Without Redis the in-memory :class:`~assistant.dialogue.SessionStore` is the
embedded default (one process).

Each session's owner (the kiosk that started it, see :meth:`SessionStore.claim`) is kept
under ``daoban:dialogue-owner:<session id>`` with the same TTL, so every worker refuses
another terminal. When Redis is down the check lets the turn go on: no state can be read
then, so nothing of another kiosk's session is exposed.

When Redis fails mid-service a turn is still answered: the state reads as empty (the citizen
is asked again which matter) and the failure is logged and counted, never raised.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from pydantic import ValidationError

from assistant.dialogue import DialogueState, SessionStore, session_owner
from daoban import redis_client
from kiosk_bridge.errors import SessionForbiddenError

logger = logging.getLogger(__name__)

KEY_PREFIX = "daoban:dialogue:"
OWNER_PREFIX = "daoban:dialogue-owner:"

_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
"""Bind the session to ARGV[1] unless another owner holds it, renewing the TTL: one round
trip, atomic (two workers claiming a new session at once cannot both win)."""

_CLAIM_READ = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return {0, false} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return {1, redis.call('GET', KEYS[2])}
"""
""":data:`_CLAIM`, then the session's state (KEYS[2]) read in the same round trip: ``{1, state
or nil}`` when bound, ``{0, nil}`` when another owner holds it (nothing of its state read)."""

_PREFETCHED: ContextVar[tuple[object, str, bytes | None] | None] = ContextVar(
    "daoban_dialogue_prefetched", default=None
)
"""(store, session id, raw state) read by :meth:`RedisSessionStore.claim_turn` for the next
:meth:`RedisSessionStore.get` of the same task (one HTTP turn); taken by that get."""


class RedisSessionStore(SessionStore):
    """Session id → :class:`DialogueState` in Redis, each key expiring ``ttl_s`` after use."""

    def __init__(self, client: Any, *, ttl_s: int) -> None:
        """Use ``client`` (a ``redis.Redis``) with a time-to-live of ``ttl_s`` seconds."""
        super().__init__(ttl_s=ttl_s, max_sessions=1)
        self._client = client
        self._ttl_s = ttl_s
        self._claim = client.register_script(_CLAIM)
        self._claim_read = client.register_script(_CLAIM_READ)
        self.failures = 0
        """Redis calls that failed (the turn went on without state)."""

    @property
    def client(self) -> Any:
        """The ``redis.Redis`` client (shared with the kiosk bridge's session records)."""
        return self._client

    @classmethod
    def from_url(cls, url: str, *, ttl_s: int) -> RedisSessionStore:
        """Connect lazily to the Redis at ``url`` (``redis://host:port/db``)."""
        return cls(redis_client.connect(url), ttl_s=ttl_s)

    def claim(self, session_id: str, kiosk_id: str | None) -> None:
        """Bind ``session_id`` to the calling kiosk in Redis, or check it is bound to it.

        Raises:
            SessionForbiddenError: The session belongs to another terminal (403).
        """
        owner = session_owner(kiosk_id)
        key = OWNER_PREFIX + session_id
        try:
            bound = self._claim(keys=[key], args=[owner, self._ttl_s])
        except Exception as exc:  # noqa: BLE001 - Redis down: no state is readable either
            self._failed("claim", exc)
            return
        if not bound:
            raise SessionForbiddenError()

    def claim_turn(self, session_id: str, kiosk_id: str | None) -> None:
        """:meth:`claim`, reading the session's state in the same round trip (``/v1/ask``).

        The state read is kept for this task only (a context variable: one HTTP turn) and
        taken by its next :meth:`get` of ``session_id``, which then costs no round trip; a
        turn that never reads it (a refusal, help) leaves it to die with the task. Nothing is
        read for a session another terminal holds.

        Raises:
            SessionForbiddenError: The session belongs to another terminal (403).
        """
        owner = session_owner(kiosk_id)
        keys = [OWNER_PREFIX + session_id, KEY_PREFIX + session_id]
        try:
            bound, raw = self._claim_read(keys=keys, args=[owner, self._ttl_s])
        except Exception as exc:  # noqa: BLE001 - Redis down: no state is readable either
            self._failed("claim", exc)
            return
        if not bound:
            raise SessionForbiddenError()
        _PREFETCHED.set((self, session_id, raw))

    def get(self, session_id: str | None) -> DialogueState:
        """The state of ``session_id`` (empty when unknown, expired, ``None`` or Redis down).

        Read with this task's :meth:`claim_turn` when it read this session, else from Redis.
        """
        if session_id is None:
            return DialogueState()
        prefetched = _PREFETCHED.get()
        if prefetched is not None and prefetched[0] is self and prefetched[1] == session_id:
            _PREFETCHED.set(None)
            raw = prefetched[2]
        else:
            try:
                raw = self._client.get(KEY_PREFIX + session_id)
            except Exception as exc:  # noqa: BLE001 - a turn never fails on the session store
                self._failed("get", exc)
                return DialogueState()
        if raw is None:
            return DialogueState()
        try:
            return DialogueState.model_validate_json(raw)
        except ValidationError:
            return DialogueState()

    def put(self, session_id: str | None, state: DialogueState) -> None:
        """Remember ``state`` for ``session_id`` (ignored when ``None``); restarts the TTL."""
        if session_id is None:
            return
        try:
            self._client.set(KEY_PREFIX + session_id, state.model_dump_json(), ex=self._ttl_s)
        except Exception as exc:  # noqa: BLE001
            self._failed("put", exc)

    def end(self, session_id: str) -> None:
        """Forget ``session_id`` now, on every worker (new citizen, card removed)."""
        try:
            self._client.delete(KEY_PREFIX + session_id, OWNER_PREFIX + session_id)
        except Exception as exc:  # noqa: BLE001
            self._failed("end", exc)

    def __len__(self) -> int:
        """Live dialogue states in Redis (a key scan: for ``/health`` and tests, not turns)."""
        try:
            return sum(1 for _ in self._client.scan_iter(match=KEY_PREFIX + "*", count=500))
        except Exception as exc:  # noqa: BLE001
            self._failed("count", exc)
            return 0

    def ping(self) -> bool:
        """Whether Redis answers now."""
        return redis_client.answers(self._client)

    def _failed(self, operation: str, exc: Exception) -> None:
        self.failures += 1
        logger.warning(
            "dialogue store: Redis %s failed (%s)", operation, type(exc).__name__,
            extra={"failures": self.failures},
        )  # fmt: skip
