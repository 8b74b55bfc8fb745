"""The speech service: recognition, end-of-speech detection and synthesis behind one object.

Built once by the composition root (``assistant/app.py`` lifespan) with :func:`build`, warmed
up with :meth:`SpeechService.warm_up`, and passed to the routes through the lifespan state.
Recognition is CPU-bound and runs in a worker thread so the event loop keeps serving.

Example:
    >>> service = build(settings.speech)
    >>> service.warm_up()
    >>> transcript = await service.transcribe_wav(wav_bytes)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from speech.asr import Recognizer, VoskRecognizer
from speech.audio import decode_wav, pcm_clip
from speech.errors import EmptyAudioError, RecognizerUnavailableError
from speech.models import AudioClip, ComponentStatus, Pace, SpeechStatus, Synthesis, Transcript
from speech.settings import SpeechSettings
from speech.tts import EdgeSynthesizer, EspeakSynthesizer, SpeechOutput, Synthesizer
from speech.vad import EndpointDetector, VadConfig
from speech.whisper import WhisperRecognizer

logger = logging.getLogger(__name__)


class SpeechService:
    """ASR + VAD + TTS for the kiosk.

    Args:
        recognizer: Any :class:`Recognizer` (vosk, or a scripted one in tests).
        output: The synthesis chain.
        settings: Limits and VAD thresholds.
    """

    def __init__(self, recognizer: Recognizer, output: SpeechOutput,
                 settings: SpeechSettings) -> None:
        self.recognizer = recognizer
        self.output = output
        self.settings = settings
        self._hints: tuple[str, ...] = ()

    def warm_up(self) -> None:
        """Load the recognition model if the recognizer has one (never raises).

        A recognizer that ``loads_lazily`` (faster-whisper: seconds to load, ~150 MB of
        weights) is not loaded here: it loads on the first recognition of the process, so a
        worker that never gets audio never holds the model.
        """
        warm = getattr(self.recognizer, "warm_up", None)
        if callable(warm) and not getattr(self.recognizer, "loads_lazily", False):
            warm()
        status = self.recognizer.status()
        if not status.available:
            logger.warning("voice input off; soft keyboard only",
                           extra={"reason": status.reason})

    def set_hints(self, phrases: Sequence[str]) -> None:
        """Phrase hints for recognition: matter names, aliases, colloquial names."""
        self._hints = tuple(dict.fromkeys(p for p in phrases if p))

    @property
    def hints(self) -> tuple[str, ...]:
        """The phrase hints in use (empty when disabled in settings)."""
        return self._hints if self.settings.phrase_hints else ()

    def vad_config(self) -> VadConfig:
        """End-of-speech thresholds from settings."""
        s = self.settings
        return VadConfig(aggressiveness=s.vad_aggressiveness, end_silence_ms=s.vad_end_silence_ms,
                         no_speech_timeout_ms=s.vad_no_speech_timeout_ms,
                         max_speech_ms=s.max_audio_ms)

    def endpoint_detector(self, sample_rate_hz: int | None = None) -> EndpointDetector:
        """A fresh end-of-speech detector for PCM at ``sample_rate_hz``.

        ``sample_rate_hz`` (Hz; None: the recognition rate) must be the rate of the audio fed,
        or frames and times are off.
        """
        return EndpointDetector(self.vad_config(), sample_rate_hz or self.settings.sample_rate_hz)

    def status(self) -> SpeechStatus:
        """Availability for ``/health``."""
        statuses = self.output.statuses()
        missing = ComponentStatus(available=False, engine="none", reason="not configured")
        return SpeechStatus(
            asr=self.recognizer.status(),
            tts=statuses[0] if statuses else missing,
            tts_fallback=statuses[-1] if len(statuses) > 1 else missing,
        )

    async def transcribe(self, clip: AudioClip) -> Transcript:
        """Recognize a 16 kHz clip in a worker thread.

        Raises:
            RecognizerUnavailableError: No model loaded.
        """
        if not self.recognizer.status().available:
            raise RecognizerUnavailableError()
        transcript = await asyncio.to_thread(self.recognizer.recognize, clip, self.hints)
        logger.info("asr done", extra={
            "chars": len(transcript.text), "confidence": transcript.confidence,
            "audio_ms": round(transcript.duration_ms), "ms": round(transcript.processing_ms),
        })
        return transcript

    async def transcribe_wav(self, data: bytes) -> Transcript:
        """Decode (and resample) a WAV file, then recognize it.

        Raises:
            AudioError: Empty, corrupt, wrong format or rate, too long (see :mod:`speech.audio`).
            RecognizerUnavailableError: No model loaded.
        """
        return await self.transcribe(self._checked_wav(data))

    async def transcribe_pcm(self, pcm: bytes, sample_rate_hz: int) -> Transcript:
        """Recognize raw 16-bit mono PCM at ``sample_rate_hz`` (resampled to 16 kHz)."""
        return await self.transcribe(
            pcm_clip(pcm, sample_rate_hz, max_duration_ms=self.settings.max_audio_ms))

    def _checked_wav(self, data: bytes) -> AudioClip:
        if not data:
            raise EmptyAudioError()
        return decode_wav(data, max_duration_ms=self.settings.max_audio_ms)

    async def speak(self, text: str, *, elderly: bool = False, cache: bool = False,
                    own_text: bool = False) -> Synthesis:
        """Synthesize ``text`` (normalized for speech) at standard or elderly pace.

        ``cache=True`` and ``own_text=True`` only for text the service produced itself (its
        answers and prompts); only such text may reach an online voice (see
        :meth:`SpeechOutput.speak`).
        """
        return await self.output.speak(text, pace=Pace.ELDERLY if elderly else Pace.STANDARD,
                                       cache=cache, own_text=own_text)


def build_output(settings: SpeechSettings) -> SpeechOutput:
    """The synthesis chain from settings: preferred engine first, espeak-ng always last."""
    espeak = EspeakSynthesizer(voice=settings.espeak_voice,
                               words_per_minute=settings.espeak_words_per_minute,
                               elderly_rate=settings.elderly_rate)
    edge_rate = f"-{round((1 - settings.elderly_rate) * 100)}%"
    chain: list[Synthesizer] = [espeak]
    if settings.tts_engine == "edge":
        chain.insert(0, EdgeSynthesizer(voice=settings.edge_voice, elderly_rate=edge_rate))
    return SpeechOutput(chain, timeout_ms=settings.tts_timeout_ms,
                        max_chars=settings.tts_max_chars, cache_size=settings.tts_cache_size,
                        cooldown_s=settings.tts_cooldown_s)


def build(settings: SpeechSettings, *, recognizer: Recognizer | None = None,
          output: SpeechOutput | None = None) -> SpeechService:
    """Build the speech service from its settings section (cheap; call ``warm_up`` next).

    Args:
        settings: The ``speech`` section.
        recognizer: Replaces the vosk recognizer (tests pass a ScriptedRecognizer).
        output: Replaces the synthesis chain.
    """
    return SpeechService(recognizer or build_recognizer(settings),
                         output or build_output(settings), settings)


def build_recognizer(settings: SpeechSettings) -> Recognizer:
    """The recognizer ``settings.asr_engine`` names; cheap (Whisper loads on first use).

    vosk loads its model in ``warm_up``; Whisper on its first recognition.
    ``auto`` picks vosk when ``asr_model_path`` is set (a deployment chose that model), else
    faster-whisper over the pinned Whisper base (or ``whisper.model_path``); when the voice
    extra is missing, the whisper recognizer reports itself unavailable with the reason.
    """
    vad = VadConfig(aggressiveness=settings.vad_aggressiveness)
    engine = settings.asr_engine
    if engine == "auto":
        engine = "vosk" if settings.asr_model_path is not None else "whisper"
    if engine == "whisper":
        return WhisperRecognizer(settings.whisper, sample_rate_hz=settings.sample_rate_hz,
                                 vad=vad)
    return VoskRecognizer(settings.asr_model_path, sample_rate_hz=settings.sample_rate_hz,
                          decoder=settings.decoder, vad=vad)
