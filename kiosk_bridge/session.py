"""Kiosk sessions: one citizen at a time, nothing carried over (GB/T 47483 §9.4.1 d).

A kiosk is shared. A :class:`KioskSession` holds what belongs to one citizen — the dialogue
session id, the low-confidence count, keyboard mode, the pre-filled form — and ends when the
ID card is removed, after ``idle_timeout_s`` without activity, or when the kiosk reports a new
citizen. Ending calls the ``on_end`` hooks (the assistant drops the dialogue state) and
forgets everything; the next citizen gets a fresh random session id.

Example:
    >>> sessions = SessionManager(idle_timeout_s=120)
    >>> session = sessions.start("kiosk-1")
    >>> sessions.end("kiosk-1", EndReason.CARD_REMOVED)
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk_bridge.errors import SessionEndedError
from kiosk_bridge.prefill import PrefilledForm

logger = logging.getLogger(__name__)


class EndReason(StrEnum):
    """Why a kiosk session ended."""

    CARD_REMOVED = "card_removed"
    IDLE_TIMEOUT = "idle_timeout"
    NEW_CITIZEN = "new_citizen"
    FINISHED = "finished"


@dataclass
class KioskSession:
    """One citizen's state at one kiosk (in memory only)."""

    kiosk_id: str
    session_id: str
    started_at: float
    last_active: float
    elderly: bool = False
    low_confidence_turns: int = 0
    keyboard_mode: bool = False
    form: PrefilledForm | None = field(default=None, repr=False)
    audio: bytearray = field(default_factory=bytearray, repr=False)


class SessionManager:
    """Sessions by kiosk id.

    Args:
        idle_timeout_s: Inactivity that ends a session (s).
        clock: Monotonic seconds (injected in tests).
    """

    def __init__(self, *, idle_timeout_s: float = 120,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._idle = idle_timeout_s
        self._clock = clock
        self._sessions: dict[str, KioskSession] = {}
        self._hooks: list[Callable[[str, EndReason], None]] = []

    def on_end(self, hook: Callable[[str, EndReason], None]) -> None:
        """Call ``hook(session_id, reason)`` whenever a session ends."""
        self._hooks.append(hook)

    def start(self, kiosk_id: str, *, elderly: bool = False) -> KioskSession:
        """A new citizen: end whatever session the kiosk had, start a fresh one."""
        if kiosk_id in self._sessions:
            self.end(kiosk_id, EndReason.NEW_CITIZEN)
        now = self._clock()
        session = KioskSession(kiosk_id=kiosk_id, session_id=secrets.token_hex(12),
                               started_at=now, last_active=now, elderly=elderly)
        self._sessions[kiosk_id] = session
        return session

    def current(self, kiosk_id: str) -> KioskSession:
        """The live session of a kiosk, touched; expired sessions end here.

        Raises:
            SessionEndedError: None live (never started, ended, or idle too long).
        """
        session = self._sessions.get(kiosk_id)
        if session is None:
            raise SessionEndedError()
        if self._clock() - session.last_active > self._idle:
            self.end(kiosk_id, EndReason.IDLE_TIMEOUT)
            raise SessionEndedError()
        session.last_active = self._clock()
        return session

    def peek(self, kiosk_id: str) -> KioskSession | None:
        """The live session of a kiosk without touching it (an idle one ends here), or None.

        For the kiosk page, which polls so that it clears itself when the bridge's session
        ends (card removed, idle, new citizen); polling must not keep a session alive.
        """
        session = self._sessions.get(kiosk_id)
        if session is not None and self._clock() - session.last_active > self._idle:
            self.end(kiosk_id, EndReason.IDLE_TIMEOUT)
            return None
        return session

    def touch(self, kiosk_id: str) -> bool:
        """Mark the kiosk's session active (the citizen tapped or typed); False when none."""
        try:
            self.current(kiosk_id)
        except SessionEndedError:
            return False
        return True

    def end(self, kiosk_id: str, reason: EndReason) -> bool:
        """End a kiosk's session, wiping its state; False when it had none."""
        session = self._sessions.pop(kiosk_id, None)
        if session is None:
            return False
        session_id = session.session_id
        session.form = None
        session.audio.clear()
        for hook in self._hooks:
            hook(session_id, reason)
        logger.info("kiosk session ended", extra={"reason": str(reason)})
        return True

    def sweep(self) -> int:
        """End every idle session; returns how many ended."""
        now = self._clock()
        idle = [k for k, s in self._sessions.items() if now - s.last_active > self._idle]
        for kiosk_id in idle:
            self.end(kiosk_id, EndReason.IDLE_TIMEOUT)
        return len(idle)

    async def sweep_forever(self, interval_s: float | None = None) -> None:
        """End idle sessions every ``interval_s`` seconds until cancelled.

        The default interval is a quarter of the idle timeout, at most 30 s, so a walked-away
        citizen's state does not linger in memory until the kiosk is next used. Run as a task
        of the app's lifespan.
        """
        interval = interval_s if interval_s is not None else min(self._idle / 4, 30.0)
        while True:
            await asyncio.sleep(interval)
            self.sweep()

    def __len__(self) -> int:
        return len(self._sessions)
