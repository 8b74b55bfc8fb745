"""Speech synthesis: the :class:`Synthesizer` protocol, edge-tts, espeak-ng and the fallback chain.

:class:`EdgeSynthesizer` calls the online edge-tts service (a zh-CN neural voice);
:class:`EspeakSynthesizer` runs Debian's ``espeak-ng`` offline with its Mandarin voice
``cmn-latn-pinyin`` (``cmn`` would read the characters as pinyin with English tone digits).
:class:`SpeechOutput` normalizes text for speech (:mod:`speech.spoken_text`), tries the
preferred engine with a timeout, falls back to the offline one on timeout or error, and caches
the service's own prompts (LRU, keyed by engine, pace and normalized text). Text a client sent
(``POST /v1/tts``) may hold personal data and is never kept: only a caller that produced the
text itself passes ``cache=True``. Elderly mode speaks slower (GB/T 47483 §7.4 e: "语速缓慢清晰").

Example:
    >>> output = SpeechOutput([EdgeSynthesizer(...), EspeakSynthesizer()], timeout_ms=1500)
    >>> synthesis = await output.speak("请放置证件", pace=Pace.ELDERLY)
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import time
from collections.abc import Callable
from typing import Literal, Protocol, runtime_checkable

from cachetools import LRUCache

from speech.errors import SynthesisError, TextError, TextTooLongError
from speech.models import ComponentStatus, Pace, Synthesis, TtsEngine
from speech.spoken_text import normalize_for_speech

logger = logging.getLogger(__name__)


@runtime_checkable
class Synthesizer(Protocol):
    """Turns normalized text into a WAV file."""

    engine: TtsEngine
    media_type: Literal["audio/wav", "audio/mpeg"]
    online: bool
    """True when the text leaves the machine (an online service): it then only ever gets text
    daoban wrote itself, never a citizen's words (GB/T 47483 §9.4.1 d)."""

    def status(self) -> ComponentStatus:
        """Whether the engine can be used at all (binary present, package installed)."""
        ...

    async def synthesize(self, text: str, pace: Pace) -> bytes:
        """Return a WAV (bytes). Raises any exception on failure; the chain falls back."""
        ...


class EspeakSynthesizer:
    """Offline synthesis with espeak-ng (Debian package ``espeak-ng``), voice ``cmn-latn-pinyin``.

    Args:
        voice: espeak-ng voice name.
        words_per_minute: Standard pace (espeak ``-s``); elderly pace multiplies it by
            ``elderly_rate``.
        elderly_rate: Speed factor of elderly mode (0.5–1.0).
        binary: The executable to run.
    """

    engine = TtsEngine.ESPEAK
    media_type: Literal["audio/wav", "audio/mpeg"] = "audio/wav"
    online = False

    def __init__(self, *, voice: str = "cmn-latn-pinyin", words_per_minute: int = 165,
                 elderly_rate: float = 0.75, binary: str = "espeak-ng") -> None:
        self._voice = voice
        self._wpm = words_per_minute
        self._elderly = elderly_rate
        self._binary = binary

    def speed(self, pace: Pace) -> int:
        """espeak-ng speed (words per minute) for a pace."""
        return round(self._wpm * (self._elderly if pace is Pace.ELDERLY else 1.0))

    def status(self) -> ComponentStatus:
        """Available when the binary is on PATH."""
        found = shutil.which(self._binary) is not None
        return ComponentStatus(available=found, engine="espeak-ng",
                               reason="" if found else "espeak-ng not installed (apt)")

    async def synthesize(self, text: str, pace: Pace) -> bytes:
        """Run espeak-ng and return its WAV output (22,050 Hz mono 16-bit)."""
        process = await asyncio.create_subprocess_exec(
            self._binary, "-v", self._voice, "-s", str(self.speed(pace)), "--stdout",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        # text goes through stdin, never the command line (ps would show it)
        wav, _ = await process.communicate(text.encode("utf-8"))
        if process.returncode != 0 or not wav:
            raise RuntimeError("espeak-ng failed")
        return wav


class EdgeSynthesizer:
    """Online synthesis with edge-tts (a zh-CN neural voice); returns MP3.

    The kiosk voice prompt accepts MP3 or WAV (``Synthesis.media_type`` says which). Without
    network access it fails or times out and :class:`SpeechOutput` falls back.
    """

    engine = TtsEngine.EDGE
    media_type: Literal["audio/wav", "audio/mpeg"] = "audio/mpeg"
    online = True

    def __init__(self, *, voice: str = "zh-CN-XiaoxiaoNeural", elderly_rate: str = "-25%")\
            -> None:
        self._voice = voice
        self._elderly_rate = elderly_rate

    def status(self) -> ComponentStatus:
        """Available when the edge-tts package is installed (reachability is not checked)."""
        try:
            import edge_tts  # noqa: F401
        except ImportError:
            return ComponentStatus(available=False, engine="edge-tts",
                                   reason="package edge-tts not installed")
        return ComponentStatus(available=True, engine="edge-tts")

    async def synthesize(self, text: str, pace: Pace) -> bytes:
        """Stream audio from the service and return the bytes (MP3)."""
        import edge_tts

        rate = self._elderly_rate if pace is Pace.ELDERLY else "+0%"
        communicate = edge_tts.Communicate(text, self._voice, rate=rate)
        audio = io.BytesIO()
        async for chunk in communicate.stream():
            if chunk.get("type") == "audio":
                audio.write(chunk["data"])
        if not audio.tell():
            raise RuntimeError("edge-tts returned no audio")
        return audio.getvalue()


class SpeechOutput:
    """Normalize, synthesize with fallback, cache the service's own prompts.

    Args:
        synthesizers: Engines in order of preference (e.g. edge, then espeak).
        timeout_ms: Per-engine time limit (ms) before falling back.
        max_chars: Longest text accepted (characters, before normalization).
        cache_size: Prompts kept in the LRU cache (only texts spoken with ``cache=True``).
        cooldown_s: After a failure, skip that engine this long (s), so an unreachable online
            voice costs one timeout, not one per prompt.
        clock: Monotonic seconds (injected in tests).
    """

    def __init__(self, synthesizers: list[Synthesizer], *, timeout_ms: int = 2000,
                 max_chars: int = 600, cache_size: int = 256, cooldown_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._chain = synthesizers
        self._timeout_s = timeout_ms / 1000
        self._max_chars = max_chars
        self._cache: LRUCache[tuple[str, str], Synthesis] = LRUCache(maxsize=cache_size)
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._down_until: dict[TtsEngine, float] = {}

    def statuses(self) -> list[ComponentStatus]:
        """Status of every engine in the chain, preferred first."""
        return [s.status() for s in self._chain]

    async def speak(self, text: str, *, pace: Pace = Pace.STANDARD,
                    cache: bool = False, own_text: bool = False) -> Synthesis:
        """Synthesize ``text`` (normalized for speech first).

        Args:
            text: Screen text.
            pace: Standard or elderly.
            cache: Keep the result for the next identical prompt. Only for text the service
                produced itself (its prompts and pipeline answers), never for text a client
                sent: that may hold personal data, which must not stay in memory.
            own_text: The text is daoban's own (its answers and prompts). Online engines
                receive only such text; a client's text goes to the offline engines only
                (fallback reason ``<engine>_client_text``).

        Raises:
            TextError: Empty text.
            TextTooLongError: More than ``max_chars`` characters.
            SynthesisError: Every engine failed.
        """
        if not text.strip():
            raise TextError("播报文本为空")
        if len(text) > self._max_chars:
            raise TextTooLongError()
        spoken = normalize_for_speech(text)
        for synth in self._chain:
            hit = self._cache.get((f"{synth.engine}:{pace}", spoken))
            if hit is not None:
                return hit.model_copy(update={"cached": True})
        reason: str | None = None
        for synth in self._chain:
            if synth.online and not own_text:
                reason = reason or f"{synth.engine}_client_text"
                continue
            if not synth.status().available:
                reason = reason or f"{synth.engine}_unavailable"
                continue
            if self._down_until.get(synth.engine, 0.0) > self._clock():
                reason = reason or f"{synth.engine}_cooling_down"
                continue
            start = time.perf_counter()
            try:
                wav = await asyncio.wait_for(synth.synthesize(spoken, pace), self._timeout_s)
            except TimeoutError:
                reason = reason or f"{synth.engine}_timeout"
                self._down_until[synth.engine] = self._clock() + self._cooldown_s
                logger.warning("tts engine timed out", extra={"engine": str(synth.engine)})
                continue
            except Exception:  # any engine failure falls back; the reason code is kept
                reason = reason or f"{synth.engine}_error"
                self._down_until[synth.engine] = self._clock() + self._cooldown_s
                logger.warning("tts engine failed", extra={"engine": str(synth.engine)})
                continue
            result = Synthesis(audio=wav, media_type=synth.media_type, engine=synth.engine,
                               pace=pace, spoken_text=spoken, fallback_reason=reason)
            if cache and self._cache.maxsize:
                self._cache[(f"{synth.engine}:{pace}", spoken)] = result
            logger.info("tts done", extra={
                "engine": str(synth.engine), "chars": len(spoken),
                "ms": round((time.perf_counter() - start) * 1000),
            })
            return result
        raise SynthesisError()
