"""Types that cross the speech boundary: audio in, transcripts and synthesized audio out.

Audio inside daoban is always 16-bit little-endian signed PCM, mono; the sample rate travels
with the samples (:class:`AudioClip`). Transcripts never leave the process in logs: only
their length, confidence and timings are logged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

BYTES_PER_SAMPLE = 2
"""16-bit PCM: two bytes per sample."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AudioClip(_Frozen):
    """Mono 16-bit little-endian PCM with its sample rate.

    Attributes:
        pcm: The samples, 2 bytes each.
        sample_rate_hz: Samples per second, e.g. 16000.
    """

    pcm: bytes = Field(repr=False)
    sample_rate_hz: int = Field(ge=1, le=192_000)

    @property
    def samples(self) -> int:
        """Number of samples."""
        return len(self.pcm) // BYTES_PER_SAMPLE

    @property
    def duration_ms(self) -> float:
        """Duration in milliseconds."""
        return 1000.0 * self.samples / self.sample_rate_hz


class WordTiming(_Frozen):
    """One recognized word with its position in the audio (ms) and confidence (0–1)."""

    word: str
    start_ms: float = Field(ge=0)
    end_ms: float = Field(ge=0)
    confidence: float = Field(ge=0, le=1)


class Transcript(_Frozen):
    """A recognition result.

    ``confidence`` is the mean word confidence (0 when nothing was recognized);
    ``processing_ms`` is the recognizer's own time, so ``processing_ms / duration_ms`` is the
    real-time factor.
    """

    text: str
    confidence: float = Field(ge=0, le=1)
    words: list[WordTiming] = Field(default_factory=list)
    duration_ms: float = Field(ge=0, description="Audio duration (ms)")
    processing_ms: float = Field(default=0.0, ge=0, description="Recognition time (ms)")
    engine: str = Field(description="vosk, scripted, ...")
    grammar_used: bool = Field(default=False, description="Phrase hints constrained decoding")
    failure: str | None = Field(
        default=None,
        description="Why a recognition failed (no_speech, prompt_echo, repetition); the text "
        "is then empty",
    )

    @property
    def real_time_factor(self) -> float:
        """Processing time divided by audio duration (lower is faster; 0 for empty audio)."""
        return self.processing_ms / self.duration_ms if self.duration_ms else 0.0


class TtsEngine(StrEnum):
    """Speech synthesizers daoban knows."""

    EDGE = "edge"
    ESPEAK = "espeak"
    SILENT = "silent"


class Pace(StrEnum):
    """Speaking pace: elderly mode speaks slower (GB/T 47483 §7.4 e)."""

    STANDARD = "standard"
    ELDERLY = "elderly"


class Synthesis(_Frozen):
    """Synthesized speech: an audio file (WAV from espeak-ng, MP3 from edge-tts) and its origin."""

    audio: bytes = Field(repr=False)
    media_type: Literal["audio/wav", "audio/mpeg"] = "audio/wav"
    engine: TtsEngine
    pace: Pace
    spoken_text: str = Field(description="The normalized text actually spoken")
    cached: bool = False
    fallback_reason: str | None = Field(
        default=None, description="Why the preferred engine was not used (reason code)"
    )


class ModelInfo(_Frozen):
    """What ``daoban models check`` says about a directory."""

    path: str
    usable: bool
    reason: str = Field(default="", description="Why it is not usable; empty when usable")
    language: str | None = Field(default=None, description="Language guessed from the model")
    sample_rate_hz: int | None = None
    grammar_supported: bool = Field(
        default=False, description="Has a lookahead graph (HCLr.fst + Gr.fst): phrase hints work"
    )
    size_bytes: int = 0
    load_ms: float | None = Field(default=None, description="Load time when loaded (ms)")


class ComponentStatus(_Frozen):
    """One component's availability, as ``/health`` shows it."""

    available: bool
    engine: str
    reason: str = ""
    state: Literal["absent", "loading", "ready", ""] = Field(
        default="",
        description="A lazily loaded model (Whisper): absent (not in this process's memory), "
        "loading or ready; empty for components without that lifecycle",
    )


class SpeechStatus(_Frozen):
    """Voice availability for ``/health``: recognition and synthesis."""

    asr: ComponentStatus
    tts: ComponentStatus
    tts_fallback: ComponentStatus


class VoiceReply(_Frozen):
    """What the assistant turn returns to a voice channel.

    Text to speak, text to show, and the full turn result as JSON for the kiosk page (opaque to
    the speech package).
    """

    spoken_text: str
    screen_text: str
    result: JsonValue = None
