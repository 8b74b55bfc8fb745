"""Voice-activity detection and end-of-speech detection with webrtcvad.

webrtcvad (the WebRTC GMM detector, from the ``webrtcvad-wheels`` package: no model download)
classifies 10/20/30 ms frames of 16-bit mono PCM at 8/16/32/48 kHz as speech or not.
:class:`EndpointDetector` turns the frame decisions into "speech started" and "speech ended":
speech starts after ``start_ms`` of voiced frames and ends after ``end_silence_ms`` of unvoiced
frames following it, or when ``max_speech_ms`` is reached.

Example:
    >>> detector = EndpointDetector(VadConfig(), sample_rate_hz=16000)
    >>> for chunk in chunks:
    ...     if detector.feed(chunk).ended:
    ...         break
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from speech.models import BYTES_PER_SAMPLE, AudioClip

WEBRTC_RATES_HZ = frozenset({8000, 16000, 32000, 48000})
"""Sample rates webrtcvad accepts (Hz)."""


class VadConfig(BaseModel):
    """End-of-speech parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aggressiveness: int = Field(default=2, ge=0, le=3, description="webrtcvad mode 0–3")
    frame_ms: int = Field(default=30, description="Frame length: 10, 20 or 30 ms")
    start_ms: int = Field(default=90, ge=10, description="Voiced time that starts speech (ms)")
    end_silence_ms: int = Field(
        default=600, ge=100, description="Unvoiced time after speech that ends it (ms)"
    )
    max_speech_ms: int = Field(default=15_000, ge=1000, description="Hard cap on speech (ms)")
    no_speech_timeout_ms: int = Field(
        default=6_000, ge=500, description="Give up when nobody speaks this long (ms)"
    )


class EndpointState(BaseModel):
    """Where the detector is after the last chunk (all times in ms from the first sample)."""

    model_config = ConfigDict(frozen=True)

    started: bool = False
    ended: bool = False
    timed_out: bool = Field(default=False, description="No speech before the timeout")
    speech_start_ms: float | None = None
    speech_end_ms: float | None = None
    heard_ms: float = 0.0


class EndpointDetector:
    """Streaming end-of-speech detector over 16-bit mono PCM.

    Args:
        config: Thresholds.
        sample_rate_hz: 8000, 16000, 32000 or 48000 (webrtcvad's rates).
    """

    def __init__(self, config: VadConfig, sample_rate_hz: int = 16_000) -> None:
        import webrtcvad  # from webrtcvad-wheels

        if sample_rate_hz not in WEBRTC_RATES_HZ:
            raise ValueError("sample_rate_hz must be 8000, 16000, 32000 or 48000 for webrtcvad")
        if config.frame_ms not in (10, 20, 30):
            raise ValueError("frame_ms must be 10, 20 or 30")
        self._vad = webrtcvad.Vad(config.aggressiveness)
        self._cfg = config
        self._rate = sample_rate_hz
        self._frame_bytes = sample_rate_hz * config.frame_ms // 1000 * BYTES_PER_SAMPLE
        self._pending = b""
        self._voiced_run_ms = 0.0
        self._silence_run_ms = 0.0
        self._state = EndpointState()

    @property
    def state(self) -> EndpointState:
        """The state after the last chunk fed."""
        return self._state

    def feed(self, pcm: bytes) -> EndpointState:
        """Consume a chunk of any length and return the updated state."""
        if self._state.ended:
            return self._state
        self._pending += pcm
        frame_ms = float(self._cfg.frame_ms)
        while len(self._pending) >= self._frame_bytes and not self._state.ended:
            frame = self._pending[: self._frame_bytes]
            self._pending = self._pending[self._frame_bytes :]
            self._step(self._vad.is_speech(frame, self._rate), frame_ms)
        return self._state

    def _step(self, voiced: bool, frame_ms: float) -> None:
        state = self._state
        heard = state.heard_ms + frame_ms
        update: dict[str, object] = {"heard_ms": heard}
        if voiced:
            self._voiced_run_ms += frame_ms
            self._silence_run_ms = 0.0
        else:
            self._silence_run_ms += frame_ms
            self._voiced_run_ms = 0.0
        if not state.started:
            if self._voiced_run_ms >= self._cfg.start_ms:
                update |= {"started": True, "speech_start_ms": heard - self._voiced_run_ms}
            elif heard >= self._cfg.no_speech_timeout_ms:
                update |= {"ended": True, "timed_out": True}
        else:
            assert state.speech_start_ms is not None  # set together with started
            if self._silence_run_ms >= self._cfg.end_silence_ms:
                update |= {"ended": True, "speech_end_ms": heard - self._silence_run_ms}
            elif heard - state.speech_start_ms >= self._cfg.max_speech_ms:
                update |= {"ended": True, "speech_end_ms": heard}
        self._state = state.model_copy(update=update)


def speech_bounds(clip: AudioClip, config: VadConfig) -> tuple[float, float] | None:
    """First voiced to last voiced time of a whole clip as (start_ms, end_ms), or None.

    Unlike :class:`EndpointDetector`, pauses inside the utterance do not end it: every frame is
    classified (``config.aggressiveness`` and ``config.frame_ms``) and the span runs from the
    first run of ``config.start_ms`` voiced time to the end of the last voiced frame.

    Raises:
        ValueError: The clip's rate is not one of webrtcvad's (8, 16, 32, 48 kHz).
    """
    import webrtcvad  # from webrtcvad-wheels

    if clip.sample_rate_hz not in WEBRTC_RATES_HZ:
        raise ValueError("sample_rate_hz must be 8000, 16000, 32000 or 48000 for webrtcvad")
    vad = webrtcvad.Vad(config.aggressiveness)
    frame_ms = config.frame_ms
    frame_bytes = clip.sample_rate_hz * frame_ms // 1000 * BYTES_PER_SAMPLE
    needed = max(1, -(-config.start_ms // frame_ms))
    start: float | None = None
    end = 0.0
    run = 0
    for index in range(len(clip.pcm) // frame_bytes):
        frame = clip.pcm[index * frame_bytes : (index + 1) * frame_bytes]
        if vad.is_speech(frame, clip.sample_rate_hz):
            run += 1
            end = float((index + 1) * frame_ms)
            if start is None and run >= needed:
                start = float((index + 1 - run) * frame_ms)
        else:
            run = 0
    return None if start is None else (start, end)


def cut(clip: AudioClip, start_ms: float, end_ms: float) -> AudioClip:
    """The part of ``clip`` between ``start_ms`` and ``end_ms`` (clamped, whole samples)."""
    bytes_per_ms = clip.sample_rate_hz * BYTES_PER_SAMPLE / 1000
    start = int(max(0.0, start_ms) * bytes_per_ms) // BYTES_PER_SAMPLE * BYTES_PER_SAMPLE
    end = int(max(0.0, end_ms) * bytes_per_ms) // BYTES_PER_SAMPLE * BYTES_PER_SAMPLE
    return AudioClip(pcm=clip.pcm[start:end], sample_rate_hz=clip.sample_rate_hz)
