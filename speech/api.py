"""HTTP and WebSocket interface of the speech package.

- ``POST /v1/asr``: a WAV file (``Content-Type: audio/wav``) or raw 16-bit mono PCM
  (``audio/l16`` / ``application/octet-stream`` with ``?sample_rate_hz=``) → :class:`AsrResponse`.
- ``POST /v1/tts``: ``{"text": ..., "elderly": false}`` → audio (WAV from espeak-ng, MP3 from
  edge-tts); headers ``X-Daoban-Tts-Engine`` and ``X-Daoban-Tts-Fallback`` say which and why.
- ``WS /v1/voice``: the kiosk streams one utterance; the server detects its end (VAD),
  recognizes it, runs the assistant turn and answers with the transcript, the turn result
  and the spoken answer. Protocol (JSON text frames unless noted)::

      → {"type": "start", "sample_rate_hz": 16000, "elderly": false, "session_id": "k1"}
      → <binary PCM frames> ...           (until end of speech, or →{"type": "stop"})
      ← {"type": "speech_end", "heard_ms": ...}
      ← {"type": "transcript", "text": ..., "confidence": ..., "words": [...]}
      ← {"type": "answer", "spoken_text": ..., "screen_text": ..., "result": {...}}
      ← <binary audio frame>              (the spoken answer)
      ← {"type": "done", "timings_ms": {...}}
      ← {"type": "error", "code": ..., "message": ...}   (then the socket closes)

Bad audio is refused with 4xx (HTTP) or an error frame (WS), each with a code and a Chinese
message (:mod:`speech.errors`); the WS then closes with 4000 + the HTTP status (4400, 4413,
4415, 4422, 4503). The WS refuses at once a rate outside 8,000–48,000 Hz, a stream that starts
with a file header (WAV, MP3, Ogg, FLAC: send raw PCM) and control frames that are not JSON
objects; anything unexpected ends the turn with ``speech.error`` and close code 1011, never an
unhandled exception.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk_bridge.api import KioskIdentityDep
from kiosk_bridge.errors import KioskError
from speech.audio import check_rate
from speech.errors import (
    AudioTooLongError,
    BadVoiceMessageError,
    EmptyAudioError,
    SpeechError,
    UnsupportedAudioFormatError,
)
from speech.models import VoiceReply, WordTiming
from speech.service import SpeechService
from speech.vad import WEBRTC_RATES_HZ

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["speech"])

VoiceTurnHandler = Callable[[str, str | None, bool], Awaitable[VoiceReply]]
"""The assistant turn, given as (text, session_id, elderly) → :class:`VoiceReply`."""


def get_speech(request: Request) -> SpeechService:
    """The speech service, from the lifespan state."""
    service: SpeechService = request.state.speech
    return service


SpeechDep = Annotated[SpeechService, Depends(get_speech)]


class AsrResponse(BaseModel):
    """A transcript, as ``POST /v1/asr`` returns it."""

    model_config = ConfigDict(frozen=True)

    text: str
    confidence: float = Field(description="Mean word confidence 0–1")
    words: list[WordTiming]
    duration_ms: float = Field(description="Audio duration (ms)")
    processing_ms: float = Field(description="Recognition time (ms)")
    engine: str
    grammar_used: bool
    failure: str | None = Field(
        default=None, description="Why recognition failed (no_speech, prompt_echo, repetition)"
    )


class TtsRequest(BaseModel):
    """Text to speak."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=2000, description="Screen text; normalized first")
    elderly: bool = Field(default=False, description="Slower pace (§7.4 e)")


class VoiceStart(BaseModel):
    """First frame of ``WS /v1/voice``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(pattern="^start$")
    sample_rate_hz: int = Field(default=16_000)
    elderly: bool = False
    session_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")


async def _read_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise AudioTooLongError()
    return bytes(body)


@router.post("/asr", response_model=AsrResponse)
async def recognize(
    request: Request,
    speech: SpeechDep,
    _who: KioskIdentityDep,
    sample_rate_hz: Annotated[
        int | None, Query(ge=1, le=192_000, description="Rate of raw PCM bodies (Hz)")
    ] = None,
) -> AsrResponse:
    """Recognize one utterance (WAV, or raw PCM with ``sample_rate_hz``)."""
    body = await _read_body(request, speech.settings.max_upload_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("audio/l16", "application/octet-stream") and sample_rate_hz:
        transcript = await speech.transcribe_pcm(body, sample_rate_hz)
    else:
        transcript = await speech.transcribe_wav(body)
    return AsrResponse(**transcript.model_dump())


@router.post("/tts", response_class=Response,
             responses={200: {"content": {"audio/wav": {}, "audio/mpeg": {}}}})
async def synthesize(request: TtsRequest, speech: SpeechDep,
                     _who: KioskIdentityDep) -> Response:
    """Speak ``text`` (normalized for speech); offline espeak-ng when the online voice fails.

    The text comes from the client and may hold personal data: it is not kept in the prompt
    cache (a prompt the service itself already spoke is still served from it) and never goes
    to the online voice, only to the offline one (espeak-ng).
    """
    synthesis = await speech.speak(request.text, elderly=request.elderly)
    headers = {"X-Daoban-Tts-Engine": str(synthesis.engine),
               "X-Daoban-Tts-Cached": str(synthesis.cached).lower()}
    if synthesis.fallback_reason:
        headers["X-Daoban-Tts-Fallback"] = synthesis.fallback_reason
    return Response(synthesis.audio, media_type=synthesis.media_type, headers=headers)


_CONTAINER_MAGIC = (b"RIFF", b"ID3", b"OggS", b"fLaC", b"\xff\xfb", b"\xff\xf3")
"""Starts of audio files (WAV, MP3, Ogg, FLAC): the WS wants raw PCM frames."""


async def _send_error(socket: WebSocket, code: str, message: str, close_code: int) -> None:
    try:
        await socket.send_json({"type": "error", "code": code, "message": message})
        await socket.close(code=close_code)
    except (WebSocketDisconnect, RuntimeError):  # the client left first
        logger.info("voice socket gone before the error was sent")


def _control(text: str | None) -> dict[str, Any]:
    try:
        message = json.loads(text or "{}")
    except ValueError:
        raise BadVoiceMessageError() from None
    if not isinstance(message, dict):
        raise BadVoiceMessageError()
    return message


async def _receive_utterance(socket: WebSocket, speech: SpeechService,
                             start: VoiceStart) -> tuple[bytes, dict[str, Any]]:
    detector = speech.endpoint_detector(start.sample_rate_hz) \
        if start.sample_rate_hz in WEBRTC_RATES_HZ else None
    pcm = bytearray()
    limit = speech.settings.max_upload_bytes
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        data = message.get("bytes")
        if data is None:
            if _control(message.get("text")).get("type") == "stop":
                return bytes(pcm), {"reason": "stop"}
            continue
        if not pcm and data.startswith(_CONTAINER_MAGIC):
            raise UnsupportedAudioFormatError()
        pcm.extend(data)
        if len(pcm) > limit:
            raise AudioTooLongError()
        if detector is not None:
            state = detector.feed(data)
            if state.ended:
                if state.timed_out:
                    raise EmptyAudioError()
                return bytes(pcm), {"reason": "vad", "heard_ms": state.heard_ms}


@router.websocket("/voice")
async def voice(socket: WebSocket) -> None:
    """Stream one utterance and get the complete turn back (see the module docstring).

    The caller is a kiosk (``X-Kiosk-Token`` or anonymous as configured, see
    :mod:`kiosk_bridge.auth`); an unknown one is closed with 4401, and a ``session_id``
    another kiosk started with 4403 (``kiosk.session_forbidden``).
    """
    await socket.accept()
    bridge = getattr(socket.state, "kiosk", None)
    caller: str | None = None
    if bridge is not None:
        try:
            caller = bridge.identify(socket).kiosk_id
        except KioskError as exc:
            await _send_error(socket, exc.code, exc.message_zh, 4401)
            return
    speech: SpeechService = socket.state.speech
    turn: VoiceTurnHandler | None = getattr(socket.state, "voice_turn", None)
    try:
        try:
            start = VoiceStart.model_validate_json(await socket.receive_text())
        except (ValidationError, ValueError, KeyError):
            await _send_error(socket, "speech.bad_start", "语音会话开始消息格式不正确", 4400)
            return
        if bridge is not None and start.session_id is not None:
            try:  # a session started by another kiosk is not this one's to continue
                bridge.bind_session(start.session_id, caller)
            except KioskError as exc:
                await _send_error(socket, exc.code, exc.message_zh, 4403)
                return
        check_rate(start.sample_rate_hz)
        t0 = time.perf_counter()
        pcm, end = await _receive_utterance(socket, speech, start)
        await socket.send_json({"type": "speech_end", **end})
        t1 = time.perf_counter()
        transcript = await speech.transcribe_pcm(pcm, start.sample_rate_hz)
        await socket.send_json({"type": "transcript", "text": transcript.text,
                                "confidence": transcript.confidence,
                                "words": [w.model_dump() for w in transcript.words]})
        t2 = time.perf_counter()
        timings = {"receive": (t1 - t0) * 1000, "asr": (t2 - t1) * 1000}
        if turn is not None and transcript.text:
            reply = await turn(transcript.text, start.session_id, start.elderly)
            t3 = time.perf_counter()
            await socket.send_json({"type": "answer", **reply.model_dump(mode="json")})
            synthesis = await speech.speak(reply.spoken_text, elderly=start.elderly, cache=True,
                                           own_text=True)  # the pipeline's answer
            await socket.send_bytes(synthesis.audio)
            timings |= {"turn": (t3 - t2) * 1000, "tts": (time.perf_counter() - t3) * 1000}
        await socket.send_json({"type": "done",
                                "timings_ms": {k: round(v, 1) for k, v in timings.items()}})
        await socket.close()
    except SpeechError as exc:
        logger.info("voice turn rejected", extra={"code": exc.code})
        await _send_error(socket, exc.code, exc.message_zh,
                          4000 + exc.status if exc.status < 1000 else 4400)
    except WebSocketDisconnect:
        logger.info("voice socket closed by client")
    except Exception as exc:  # noqa: BLE001  # a turn never takes the server down
        logger.error("voice turn failed", extra={"error": type(exc).__name__})
        await _send_error(socket, SpeechError.code, SpeechError.message_zh, 1011)
