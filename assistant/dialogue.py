"""Dialogue state for follow-ups ("那要多久") and 边问边办 (§7.6 d), in memory with a TTL.

The state holds only the matter under discussion and the last aspect asked: no text, no
personal data. It lives in a :class:`cachetools.TTLCache`, so an idle session is forgotten
after ``ttl_s`` seconds, and :meth:`SessionStore.end` drops it when the kiosk says a new
citizen started or the ID card was removed.

A session belongs to the terminal that started it (:meth:`SessionStore.claim`): the first
caller to use a session id binds it to its kiosk credential (or to "anonymous" when the call
carried none, as ``kiosk.anonymous`` allows); any other caller is refused with
:class:`~kiosk_bridge.errors.SessionForbiddenError` (403 ``kiosk.session_forbidden``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from pydantic import BaseModel, ConfigDict

from kiosk_bridge.errors import SessionForbiddenError
from knowledge.models import Aspect

ANONYMOUS_OWNER = "anonymous"
"""Owner of sessions started without a kiosk credential (see ``kiosk.anonymous``)."""


def session_owner(kiosk_id: str | None) -> str:
    """The owner key of a session started by ``kiosk_id`` (``None``: an anonymous caller).

    Prefixed, so a kiosk named ``anonymous`` is not the anonymous owner.
    """
    return f"kiosk:{kiosk_id}" if kiosk_id is not None else ANONYMOUS_OWNER


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
        self._owners: TTLCache[str, str] = TTLCache(maxsize=max_sessions, ttl=ttl_s, timer=clock)
        self._lock = threading.Lock()

    def claim(self, session_id: str, kiosk_id: str | None) -> None:
        """Bind ``session_id`` to the calling kiosk, or check that it is bound to it.

        ``kiosk_id`` is the credential's terminal, ``None`` for an anonymous caller. A new
        session id is bound; the binding lives as long as the session (``ttl_s`` after its
        last use) and goes with :meth:`end`.

        Raises:
            SessionForbiddenError: The session belongs to another terminal (403).
        """
        owner = session_owner(kiosk_id)
        with self._lock:
            current = self._owners.get(session_id)
            if current is not None and current != owner:
                raise SessionForbiddenError()
            self._owners[session_id] = owner

    def claim_turn(self, session_id: str, kiosk_id: str | None) -> None:
        """:meth:`claim` at the start of a turn whose :meth:`get` follows in the same task.

        In memory there is no round trip to save: the same as :meth:`claim`. A shared store
        reads the session's state with the claim (see
        :class:`~assistant.composition.sessions.RedisSessionStore`).

        Raises:
            SessionForbiddenError: The session belongs to another terminal (403).
        """
        self.claim(session_id, kiosk_id)

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
            self._owners.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._states)
