"""A pickup that freezes mid-recording does not hold the citizen (issue 12: it held 19 s)."""

from __future__ import annotations

import asyncio
import base64
import time

import httpx
import numpy as np
import pytest

from kiosk_bridge.client import DeviceClient
from kiosk_bridge.errors import RecordingStalledError
from kiosk_bridge.session import SessionManager
from kiosk_bridge.settings import KioskBridgeSettings
from kiosk_bridge.simulator import SimulatorState, create_simulator
from kiosk_bridge.voice_turn import (
    Recognition,
    SpokenAudio,
    TurnParts,
    TurnReply,
    VoiceTurnRunner,
)
from speech.vad import EndpointDetector, VadConfig

LOUD = np.random.default_rng(2).normal(0, 6000, 48000).astype("<i2").tobytes()


class FreezingTransport(httpx.AsyncBaseTransport):
    """The simulator, except that the pickup stops answering after ``reads`` chunks.

    With ``frozen_stop`` the stop and close calls hang as well (the whole device froze).
    """

    def __init__(self, sim: SimulatorState, *, reads: int, frozen_stop: bool = True) -> None:
        self._inner = httpx.ASGITransport(create_simulator(sim))
        self._reads = reads
        self._frozen_stop = frozen_stop
        self.hung: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        frozen = path == "/pickup/read" and self._reads <= 0
        frozen |= (
            self._frozen_stop and path in ("/pickup/stop", "/pickup/close") and bool(self.hung)
        )
        if frozen:
            self.hung.append(path)
            await asyncio.sleep(3600)
        if path == "/pickup/read":
            self._reads -= 1
        return await self._inner.handle_async_request(request)


class EndlessTransport(FreezingTransport):
    """A pickup whose stream never ends: it ignores the length cap and sends loud audio."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/pickup/read":
            return await super().handle_async_request(request)
        await asyncio.sleep(0.02)
        chunk = {"pcm_base64": base64.b64encode(LOUD[:9600]).decode(), "sample_rate_hz": 16000,
                 "ended": False}  # fmt: skip
        return httpx.Response(200, json={"ok": True, "data": chunk})


class NeverEnds:
    """An end-of-speech detector that never hears the end (the bridge's cap must act)."""

    ended = False
    timed_out = False

    def feed(self, pcm: bytes) -> NeverEnds:
        return self


def _parts(endless: bool = False) -> TurnParts:
    async def transcribe(pcm: bytes, rate: int) -> Recognition:
        return Recognition(text="居住证怎么办", confidence=0.9)

    async def turn(data: object) -> TurnReply:
        return TurnReply(spoken_text="答复", screen_text="答复")

    async def speak(text: str, elderly: bool) -> SpokenAudio:
        return SpokenAudio(audio=b"RIFF")

    return TurnParts(
        transcribe=transcribe,
        turn=turn,
        speak=speak,
        endpointer=(lambda: NeverEnds())
        if endless
        else (lambda: EndpointDetector(VadConfig(end_silence_ms=300))),
    )


def _settings(**overrides: int) -> KioskBridgeSettings:
    values = {"recording_stall_ms": 300, "release_timeout_ms": 100, "timeout_ms": 2000}
    values |= overrides
    return KioskBridgeSettings(**values)


def _sim() -> SimulatorState:
    sim = SimulatorState(sealer=None)
    sim.queue_pcm(LOUD)
    return sim


async def _run(
    transport: httpx.AsyncBaseTransport, settings: KioskBridgeSettings, *, endless: bool = False
) -> float:
    # the client as production builds it: 2 s per call, 2 retries (the 19 s of the issue)
    client = DeviceClient(
        "http://kiosk", transport=transport, timeout_ms=settings.timeout_ms, retries=2
    )
    runner = VoiceTurnRunner(client, _parts(endless), settings)
    session = SessionManager().start("k1")
    started = time.perf_counter()
    try:
        with pytest.raises(RecordingStalledError) as raised:
            await runner.run(session)
    finally:
        await client.aclose()
    assert raised.value.status == 504 and raised.value.code == "kiosk.recording_stalled"
    assert "键盘" in raised.value.message_zh
    return time.perf_counter() - started


async def test_a_pickup_frozen_mid_recording_ends_the_turn_within_the_bound() -> None:
    transport = FreezingTransport(_sim(), reads=2)
    settings = _settings()
    elapsed = await _run(transport, settings)
    bound = (settings.recording_stall_ms + 2 * settings.release_timeout_ms) / 1000
    assert elapsed < bound + 0.5, elapsed
    assert transport.hung[0] == "/pickup/read"
    assert {"/pickup/stop", "/pickup/close"} <= set(transport.hung)  # tried, not waited on


async def test_a_pickup_frozen_before_the_first_chunk_is_bounded_too() -> None:
    elapsed = await _run(FreezingTransport(_sim(), reads=0, frozen_stop=False), _settings())
    assert elapsed < 1.0, elapsed


async def test_a_recording_that_never_ends_is_cut_at_the_cap() -> None:
    """Chunks keep coming (a stuck stream that ignores its cap): the bridge's cap ends it."""
    settings = _settings(max_recording_ms=1000, recording_stall_ms=300)
    transport = EndlessTransport(_sim(), reads=10_000, frozen_stop=False)
    elapsed = await _run(transport, settings, endless=True)
    assert elapsed < (1000 + 300) / 1000 + 1.0, elapsed


def test_settings_bound_the_waits() -> None:
    with pytest.raises(ValueError, match="recording_stall_ms"):
        KioskBridgeSettings(recording_stall_ms=0)
    defaults = KioskBridgeSettings()
    worst = defaults.recording_stall_ms + 2 * defaults.release_timeout_ms
    assert worst <= 3000  # was 3 calls × 3 attempts × 2 s ≈ 19 s
