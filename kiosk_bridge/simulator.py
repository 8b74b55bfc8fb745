"""A kiosk device simulator: the device service of §8.3/§8.4 as a real ASGI app.

For development, demos and tests. It implements every operation of
:mod:`kiosk_bridge.schemas` with the same envelopes and validation as a real device service:

- the pickup "records" from WAV files queued with :meth:`SimulatorState.queue_wav` (or
  ``POST /sim/audio``), returned as 16 kHz PCM chunks;
- the ID-card reader returns the inserted synthetic identity sealed with SM4 + HMAC-SM3;
- the voice prompt and the soft keyboard record what they were asked (``GET /sim/log``).

Serve it with ``daoban kiosk-sim`` (127.0.0.1:8801) or mount it in-process with
``httpx.ASGITransport(create_simulator(...))``.
"""

from __future__ import annotations

import base64
import io
import wave
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from kiosk_bridge.idcard import IdCardData
from kiosk_bridge.schemas import (
    OPERATIONS,
    AudioChunk,
    Device,
    DeviceReply,
    KeyboardPopup,
    PlayPrompt,
    ReadAudio,
    RecordingStopped,
    StartRecording,
)
from kiosk_bridge.sealing import Direction, Sealer


def wav_to_pcm16k(data: bytes) -> bytes:
    """Decode a 16-bit WAV (mono or stereo, any rate) to 16 kHz mono PCM for the fake pickup."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    if channels == 2:
        samples = samples.reshape(-1, 2).mean(axis=1).astype("<i2")
    if rate != 16_000:
        import soxr

        samples = np.asarray(soxr.resample(samples, rate, 16_000), dtype="<i2")
    return samples.tobytes()


@dataclass
class SimulatorState:
    """Everything the fake devices hold; tests read and change it directly."""

    sealer: Sealer | None
    identities: list[IdCardData] = field(default_factory=list)
    inserted: int | None = 0
    audio_queue: list[bytes] = field(default_factory=list)
    recording: bytes = b""
    position: int = 0
    opened: set[Device] = field(default_factory=set)
    busy: set[Device] = field(default_factory=set)
    absent: set[Device] = field(default_factory=set)
    prompts: list[PlayPrompt] = field(default_factory=list)
    keyboard: list[KeyboardPopup] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def queue_wav(self, data: bytes) -> None:
        """Queue a WAV file; the next recording plays it (16 kHz after resampling)."""
        self.audio_queue.append(wav_to_pcm16k(data))

    def queue_pcm(self, pcm: bytes) -> None:
        """Queue raw 16 kHz 16-bit mono PCM for the next recording."""
        self.audio_queue.append(pcm)


def _reply(ok: bool = True, code: str = "ok", message: str = "",
           data: BaseModel | None = None, status: int = 200) -> JSONResponse:
    body = DeviceReply(ok=ok, code=code, message=message,
                       data=data.model_dump(mode="json") if data else {})
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _handle(state: SimulatorState, device: Device, operation: str,
            body: BaseModel) -> JSONResponse:
    if device in state.absent:
        return _reply(False, "absent", "device not present", status=404)
    if device in state.busy:
        return _reply(False, "busy", "device busy", status=409)
    if operation == "open":
        state.opened.add(device)
        return _reply()
    if operation == "close":
        state.opened.discard(device)
        return _reply()
    if device not in state.opened and device is not Device.VOICE_PROMPT \
            and device is not Device.SOFT_KEYBOARD:
        return _reply(False, "not_open", "open the device first", status=409)
    if device is Device.PICKUP:
        return _pickup(state, operation, body)
    if device is Device.VOICE_PROMPT:
        if isinstance(body, PlayPrompt):
            state.prompts.append(body)
        return _reply()
    if device is Device.SOFT_KEYBOARD:
        if isinstance(body, KeyboardPopup):
            state.keyboard.append(body)
        return _reply()
    return _id_card(state)


def _pickup(state: SimulatorState, operation: str, body: BaseModel) -> JSONResponse:
    if operation == "start":
        assert isinstance(body, StartRecording)
        state.recording = state.audio_queue.pop(0) if state.audio_queue else b""
        state.position = 0
        return _reply()
    if operation == "read":
        assert isinstance(body, ReadAudio)
        size = body.max_bytes // 2 * 2
        chunk = state.recording[state.position : state.position + size]
        state.position += len(chunk)
        return _reply(data=AudioChunk(
            pcm_base64=base64.b64encode(chunk).decode("ascii"), sample_rate_hz=16_000,
            ended=state.position >= len(state.recording)))
    duration = state.position / 32.0
    state.recording, state.position = b"", 0
    return _reply(data=RecordingStopped(duration_ms=duration))


def _id_card(state: SimulatorState) -> JSONResponse:
    if state.inserted is None or state.inserted >= len(state.identities):
        return _reply(False, "no_card", "no card on the reader", status=409)
    if state.sealer is None:
        return _reply(False, "no_key", "reader has no SM4 key configured", status=500)
    card = state.identities[state.inserted]
    return _reply(data=state.sealer.seal(card.model_dump_json().encode("utf-8"),
                                         direction=Direction.CARD))


def create_simulator(state: SimulatorState) -> FastAPI:
    """The simulator app over ``state`` (kept on ``app.state.sim`` for inspection)."""
    app = FastAPI(title="daoban kiosk device simulator (GB/T 47483 §8.4)")
    app.state.sim = state

    @app.post("/{device}/{operation}")
    async def operate(device: str, operation: str, request: Request) -> JSONResponse:
        try:
            dev = Device(device)
            request_model, _ = OPERATIONS[(dev, operation)]
        except (ValueError, KeyError):
            return _reply(False, "absent", "unknown device or operation", status=404)
        try:
            body = request_model.model_validate_json(await request.body() or b"{}")
        except ValidationError:
            return _reply(False, "invalid", "request does not match its JSON Schema",
                          status=422)
        state.calls.append(f"{dev}.{operation}")
        return _handle(state, dev, operation, body)

    @app.post("/sim/audio")
    async def queue_audio(request: Request) -> JSONResponse:
        state.queue_wav(await request.body())
        return _reply()

    @app.post("/sim/card/{index}")
    async def insert_card(index: int) -> JSONResponse:
        state.inserted = index if index >= 0 else None
        return _reply()

    @app.get("/sim/log")
    async def log() -> dict[str, Any]:
        return {
            "calls": state.calls,
            "prompts": [p.model_dump(exclude={"audio_base64"}) for p in state.prompts],
            "keyboard": [k.model_dump() for k in state.keyboard],
        }

    return app
