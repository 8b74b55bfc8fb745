"""The voice turn at the kiosk, driven by the bridge (GB/T 47483 §7.6 a, d; §8.4).

open pickup → record until end of speech (VAD) → ASR → the assistant turn → TTS → voice prompt.
After ``max_low_confidence_turns`` low-confidence recognitions in a row (or when the answer
needs typed input) the soft keyboard pops up and the session continues with typed text.

A frozen pickup never holds the citizen: opening, starting and every chunk read are bounded by
``recording_stall_ms`` (the device client's retries included), the whole recording by
``max_recording_ms + recording_stall_ms``, and stopping/closing by ``release_timeout_ms``
each; a device that misses a bound ends the turn with
:class:`~kiosk_bridge.errors.RecordingStalledError` (504 ``kiosk.recording_stalled``, "请改用
屏幕键盘输入"). Worst case: ``recording_stall_ms + 2 × release_timeout_ms`` after the device
froze (2 s + 1 s by default; it was the client's 3 × 2 s timeout on each of read, stop and
close — 19 s — before).

The bridge imports neither the pipeline nor the speech package: the composition root passes
four callables — :data:`Transcribe`, :data:`TurnHandler`, :data:`Speak` and an
:data:`EndpointerFactory` — so the turn is testable with the simulator and scripted parts.

Example:
    >>> runner = VoiceTurnRunner(client, parts, settings)
    >>> outcome = await runner.run(session)
    >>> [(s.name, s.ms) for s in outcome.steps]
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from kiosk_bridge.client import DeviceClient
from kiosk_bridge.errors import DeviceError, DeviceTimeoutError, RecordingStalledError
from kiosk_bridge.schemas import KeyboardPopup, PlayPrompt
from kiosk_bridge.session import KioskSession
from kiosk_bridge.settings import KioskBridgeSettings

logger = logging.getLogger(__name__)

T = TypeVar("T")

NOT_HEARD = "抱歉，没有听清，请您再说一遍。"
USE_KEYBOARD = "抱歉，还是没有听清。请用屏幕上的键盘输入您要办理的事项。"
ELDERLY_RATE = 0.8


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Recognition(_Frozen):
    """What ASR returned, as the bridge needs it."""

    text: str
    confidence: float = Field(ge=0, le=1)


class TurnInput(_Frozen):
    """What the assistant turn receives."""

    text: str
    session_id: str
    elderly: bool = False
    typed: bool = Field(default=False, description="From the soft keyboard, not speech")


class TurnReply(_Frozen):
    """What the assistant turn returns to the bridge."""

    spoken_text: str
    screen_text: str
    needs_typed_input: bool = Field(default=False, description="Pop up the soft keyboard")
    help: bool = Field(default=False, description="一键求助: human help channel answered")


class SpokenAudio(_Frozen):
    """Synthesized speech for the voice prompt."""

    audio: bytes = Field(repr=False)
    media_type: str = "audio/wav"


class EndpointState(Protocol):
    """End-of-speech state (speech.vad.EndpointState satisfies it)."""

    @property
    def ended(self) -> bool: ...  # noqa: D102

    @property
    def timed_out(self) -> bool: ...  # noqa: D102


class Endpointer(Protocol):
    """Streaming end-of-speech detector (speech.vad.EndpointDetector satisfies it)."""

    def feed(self, pcm: bytes) -> EndpointState:
        """Consume PCM, return the state."""
        ...


Transcribe = Callable[[bytes, int], Awaitable[Recognition]]
"""(16-bit mono PCM, sample rate in Hz) → recognition."""
TurnHandler = Callable[[TurnInput], Awaitable[TurnReply]]
Speak = Callable[[str, bool], Awaitable[SpokenAudio]]
"""(text, elderly) → audio."""
EndpointerFactory = Callable[[], Endpointer]


@dataclass(frozen=True)
class TurnParts:
    """The callables the composition root plugs in."""

    transcribe: Transcribe
    turn: TurnHandler
    speak: Speak
    endpointer: EndpointerFactory


class Outcome(StrEnum):
    """How a voice turn ended."""

    ANSWERED = "answered"
    RETRY = "retry"
    KEYBOARD = "keyboard"


class Step(_Frozen):
    """One step and its time (ms)."""

    name: str
    ms: float


class VoiceTurnOutcome(_Frozen):
    """What one turn did: steps with timings, the recognition, the reply."""

    outcome: Outcome
    steps: list[Step]
    recognition: Recognition | None = None
    reply: TurnReply | None = None
    audio_ms: float = Field(default=0, description="Recorded speech (ms)")

    @property
    def processing_ms(self) -> float:
        """Everything the bridge did, i.e. all steps (the simulator has no real-time waits)."""
        return sum(s.ms for s in self.steps)


class VoiceTurnRunner:
    """Runs voice and typed turns for a kiosk session.

    Args:
        client: Device client (simulator in tests).
        parts: ASR, turn, TTS and VAD callables.
        settings: Thresholds and chunk size.
    """

    def __init__(self, client: DeviceClient, parts: TurnParts,
                 settings: KioskBridgeSettings) -> None:
        self._client = client
        self._parts = parts
        self._cfg = settings

    async def _bounded(self, step: str, call: Awaitable[T], seconds: float) -> T:
        """Await ``call`` for at most ``seconds``.

        Raises:
            RecordingStalledError: The device did not answer in time (or timed out itself).
        """
        try:
            async with asyncio.timeout(max(seconds, 0.0)):
                return await call
        except (TimeoutError, DeviceTimeoutError):
            logger.warning("pickup stalled", extra={"step": step})
            raise RecordingStalledError() from None

    async def _record(self) -> tuple[bytes, bool]:
        """Record one utterance until end of speech, the device's end or the length cap.

        Raises:
            RecordingStalledError: The pickup froze (see the module docstring).
            DeviceError: Any other device failure.
        """
        cfg = self._cfg
        stall_s = cfg.recording_stall_ms / 1000
        await self._bounded("open", self._client.pickup_open(), stall_s)
        try:
            await self._bounded("start", self._client.pickup_start(
                16_000, max_duration_ms=cfg.max_recording_ms), stall_s)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + (cfg.max_recording_ms + cfg.recording_stall_ms) / 1000
            detector = self._parts.endpointer()
            pcm = bytearray()
            spoke = True
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:  # chunks kept coming, the recording never ended
                    logger.warning("pickup never ended the recording")
                    raise RecordingStalledError()
                chunk = await self._bounded(
                    "read", self._client.pickup_read(cfg.read_chunk_bytes),
                    min(stall_s, remaining))  # fmt: skip
                data = base64.b64decode(chunk.pcm_base64)
                pcm.extend(data)
                state = detector.feed(data)
                if state.ended:
                    spoke = not state.timed_out
                    break
                if chunk.ended:
                    break
        finally:
            await self._release()
        return bytes(pcm), spoke

    async def _release(self) -> None:
        """Stop and close the pickup, each within ``release_timeout_ms``; never raises.

        A frozen or failed device is logged and left; the next turn's open reports it.
        """
        bound = self._cfg.release_timeout_ms / 1000
        for step, call in (("stop", self._client.pickup_stop),
                           ("close", self._client.pickup_close)):  # fmt: skip
            with contextlib.suppress(RecordingStalledError, DeviceError):
                await self._bounded(step, call(), bound)

    async def run(self, session: KioskSession) -> VoiceTurnOutcome:
        """One spoken turn: record, recognize, answer, speak (see the module docstring)."""
        steps: list[Step] = []
        clock = time.perf_counter
        t = clock()
        pcm, spoke = await self._record()
        steps.append(Step(name="record+vad", ms=(clock() - t) * 1000))
        recognition = Recognition(text="", confidence=0.0)
        if spoke and pcm:
            t = clock()
            recognition = await self._parts.transcribe(pcm, 16_000)
            steps.append(Step(name="asr", ms=(clock() - t) * 1000))
        audio_ms = len(pcm) / 32.0
        if not recognition.text or recognition.confidence < self._cfg.low_confidence:
            session.low_confidence_turns += 1
            logger.info("low-confidence recognition",
                        extra={"count": session.low_confidence_turns})
            if session.low_confidence_turns >= self._cfg.max_low_confidence_turns:
                t = clock()
                await self._open_keyboard(session, USE_KEYBOARD)
                steps.append(Step(name="keyboard", ms=(clock() - t) * 1000))
                return VoiceTurnOutcome(outcome=Outcome.KEYBOARD, steps=steps,
                                        recognition=recognition, audio_ms=audio_ms)
            t = clock()
            await self._say(NOT_HEARD, session)
            steps.append(Step(name="prompt", ms=(clock() - t) * 1000))
            return VoiceTurnOutcome(outcome=Outcome.RETRY, steps=steps,
                                    recognition=recognition, audio_ms=audio_ms)
        session.low_confidence_turns = 0
        outcome = await self._answer(session, recognition.text, typed=False, steps=steps)
        return outcome.model_copy(update={"recognition": recognition, "audio_ms": audio_ms})

    async def run_typed(self, session: KioskSession, text: str) -> VoiceTurnOutcome:
        """A turn typed on the soft keyboard (after it popped up)."""
        return await self._answer(session, text, typed=True, steps=[])

    async def _answer(self, session: KioskSession, text: str, *, typed: bool,
                      steps: list[Step]) -> VoiceTurnOutcome:
        clock = time.perf_counter
        t = clock()
        reply = await self._parts.turn(TurnInput(text=text, session_id=session.session_id,
                                                 elderly=session.elderly, typed=typed))
        steps.append(Step(name="turn", ms=(clock() - t) * 1000))
        await self._say(reply.spoken_text, session, steps=steps)
        if reply.needs_typed_input:
            t = clock()
            await self._open_keyboard(session, None)
            steps.append(Step(name="keyboard", ms=(clock() - t) * 1000))
        return VoiceTurnOutcome(
            outcome=Outcome.KEYBOARD if reply.needs_typed_input else Outcome.ANSWERED,
            steps=steps, reply=reply)

    async def _say(self, text: str, session: KioskSession,
                   steps: list[Step] | None = None) -> None:
        t = time.perf_counter()
        spoken = await self._parts.speak(text, session.elderly)
        if steps is not None:
            steps.append(Step(name="tts", ms=(time.perf_counter() - t) * 1000))
        media = spoken.media_type if spoken.media_type in ("audio/wav", "audio/mpeg") else None
        await self._client.voice_play(PlayPrompt(
            text=text[:2000], audio_base64=base64.b64encode(spoken.audio).decode("ascii"),
            media_type=media,
            rate=ELDERLY_RATE if session.elderly else 1.0))
        if steps is not None:
            steps.append(Step(name="voice_prompt", ms=(time.perf_counter() - t) * 1000
                              - steps[-1].ms))

    async def _open_keyboard(self, session: KioskSession, prompt: str | None) -> None:
        session.keyboard_mode = True
        if prompt:
            await self._say(prompt, session)
        await self._client.keyboard_popup(KeyboardPopup())
