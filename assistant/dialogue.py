"""Dialogue state for follow-ups ("那要多久") and 边问边办 (§7.6 d), in memory with a TTL.

The state holds only the matter under discussion and the last aspect asked: no text, no
personal data. It lives in a :class:`cachetools.TTLCache`, so an idle session is forgotten
after ``ttl_s`` seconds, and :meth:`SessionStore.end` drops it when the kiosk says a new
citizen started or the ID card was removed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from pydantic import BaseModel, ConfigDict

from knowledge.models import Aspect


class DialogueState(BaseModel):
    """What the assistant remembers of a session: a matter code and an aspect."""

    model_config = ConfigDict(frozen=True)

    matter_code: str | None = None
    aspect: Aspect | None = None
    choices: tuple[str, ...] = ()
    """Codes of the matters last offered as choices (a clarifying question), best first."""


class SessionStore:
    """Session id → :class:`DialogueState`, bounded in size and idle time."""

    def __init__(
        self, *, ttl_s: int, max_sessions: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Keep up to ``max_sessions`` states, each for ``ttl_s`` seconds after its last use.

        ``clock`` returns seconds (monotonic); tests pass a fake one.
        """
        self._states: TTLCache[str, DialogueState] = TTLCache(
            maxsize=max_sessions, ttl=ttl_s, timer=clock
        )
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> DialogueState:
        """The state of ``session_id`` (empty when unknown, expired or ``None``)."""
        if session_id is None:
            return DialogueState()
        with self._lock:
            return self._states.get(session_id, DialogueState())

    def put(self, session_id: str | None, state: DialogueState) -> None:
        """Remember ``state`` for ``session_id`` (ignored when ``None``); restarts the TTL."""
        if session_id is None:
            return
        with self._lock:
            self._states[session_id] = state

    def end(self, session_id: str) -> None:
        """Forget ``session_id`` now (new citizen, card removed)."""
        with self._lock:
            self._states.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._states)
