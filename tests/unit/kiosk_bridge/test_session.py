"""Kiosk sessions end when idle even if nobody touches the kiosk again (§9.4.1 d)."""

from __future__ import annotations

import asyncio
import contextlib

from kiosk_bridge.session import EndReason, SessionManager


async def test_idle_sessions_are_swept_without_a_next_citizen() -> None:
    now = [0.0]
    sessions = SessionManager(idle_timeout_s=60, clock=lambda: now[0])
    ended: list[tuple[str, EndReason]] = []
    sessions.on_end(lambda session_id, reason: ended.append((session_id, reason)))
    walked_away = sessions.start("k1")
    sessions.start("k2")
    now[0] = 30.0
    sessions.current("k2")  # still in use
    now[0] = 61.0
    sweeper = asyncio.create_task(sessions.sweep_forever(interval_s=0.01))
    await asyncio.sleep(0.05)
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    assert ended == [(walked_away.session_id, EndReason.IDLE_TIMEOUT)]
    assert len(sessions) == 1 and walked_away.form is None
