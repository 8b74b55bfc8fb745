"""Speech recognition: the :class:`Recognizer` protocol, vosk, and a scripted double.

:class:`VoskRecognizer` loads a vosk model from a configured folder in :meth:`warm_up` (never
in ``__init__``), decodes 16 kHz mono 16-bit PCM in chunks, and, where the model has a lookahead
graph, constrains decoding to phrase hints (matter names and aliases) plus ``[unk]``. Hints
the model's vocabulary lacks are dropped by vosk; when none remain, decoding is free.

:class:`ScriptedRecognizer` returns prepared transcripts in order: a real implementation of
the protocol for tests and demos without a model (not a mock).

Example:
    >>> recognizer = VoskRecognizer(Path("/models/vosk-model-small-cn-0.22"))
    >>> recognizer.warm_up()
    >>> recognizer.recognize(clip, hints=["居住证", "身份证"]).text
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from speech.errors import RecognizerUnavailableError, UnsupportedSampleRateError
from speech.model_check import inspect_model
from speech.models import AudioClip, ComponentStatus, Transcript, WordTiming

logger = logging.getLogger(__name__)

CHUNK_BYTES = 8000
"""Bytes fed to vosk per call: 250 ms of 16 kHz 16-bit audio."""


@runtime_checkable
class Recognizer(Protocol):
    """Turns 16 kHz mono PCM into a :class:`Transcript`."""

    def status(self) -> ComponentStatus:
        """Whether recognition is available, and why not."""
        ...

    def recognize(self, clip: AudioClip, hints: Sequence[str] = ()) -> Transcript:
        """Recognize a whole clip (16 kHz).

        Raises:
            RecognizerUnavailableError: No model is loaded.
        """
        ...


def _transcript_from(result: dict[str, Any], clip: AudioClip, elapsed_ms: float,
                     grammar: bool) -> Transcript:
    words = [
        WordTiming(
            word=str(w["word"]),
            start_ms=float(w["start"]) * 1000,
            end_ms=float(w["end"]) * 1000,
            confidence=min(1.0, max(0.0, float(w.get("conf", 0.0)))),
        )
        for w in result.get("result", [])
        if w.get("word") != "[unk]"
    ]
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    text = " ".join(w.word for w in words) if words else ""
    return Transcript(
        text=text, confidence=round(confidence, 4), words=words,
        duration_ms=clip.duration_ms, processing_ms=round(elapsed_ms, 2),
        engine="vosk", grammar_used=grammar,
    )


class VoskRecognizer:
    """vosk (Kaldi) recognizer over a local model folder.

    Args:
        model_path: The model folder (``daoban models check`` verifies it); None means off.
        sample_rate_hz: Rate of the PCM given to :meth:`recognize` (16,000 Hz).
        max_hints: Phrase hints passed to the grammar at most.
    """

    def __init__(self, model_path: Path | None, *, sample_rate_hz: int = 16_000,
                 max_hints: int = 500) -> None:
        self._path = model_path
        self._rate = sample_rate_hz
        self._max_hints = max_hints
        self._model: Any = None
        self._grammar_ok = False
        self._reason = "not warmed up"
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model; on failure, stay unavailable with a reason (never raises)."""
        if self._path is None:
            self._reason = "no ASR model configured (DAOBAN_SPEECH__ASR_MODEL_PATH)"
            return
        info = inspect_model(self._path)
        if not info.usable:
            self._reason = f"{info.reason}: {self._path}"
            logger.warning("asr model unusable", extra={"reason": info.reason})
            return
        try:
            from vosk import Model, SetLogLevel
        except ImportError:
            self._reason = "package vosk not installed (pip install 'daoban[voice]')"
            return
        SetLogLevel(-1)
        start = time.perf_counter()
        try:
            self._model = Model(str(self._path))
        except Exception:  # Kaldi errors surface as bare Exception
            self._reason = f"vosk failed to load the model at {self._path}"
            logger.warning("asr model failed to load")
            return
        self._grammar_ok = info.grammar_supported
        self._reason = ""
        logger.info("asr model loaded", extra={
            "load_ms": round((time.perf_counter() - start) * 1000),
            "grammar": self._grammar_ok,
        })

    @property
    def grammar_supported(self) -> bool:
        """True when the loaded model accepts phrase hints."""
        return self._grammar_ok

    def status(self) -> ComponentStatus:
        """Available once a model is loaded."""
        return ComponentStatus(available=self._model is not None, engine="vosk",
                               reason=self._reason)

    def _new_decoder(self, hints: Sequence[str]) -> tuple[Any, bool]:
        from vosk import KaldiRecognizer

        if self._model is None:
            raise RecognizerUnavailableError()
        phrases = list(dict.fromkeys(h.strip() for h in hints if h.strip()))[: self._max_hints]
        if phrases and self._grammar_ok:
            decoder = KaldiRecognizer(self._model, self._rate,
                                      json.dumps([*phrases, "[unk]"], ensure_ascii=False))
            grammar = True
        else:
            decoder, grammar = KaldiRecognizer(self._model, self._rate), False
        decoder.SetWords(True)
        return decoder, grammar

    def recognize(self, clip: AudioClip, hints: Sequence[str] = ()) -> Transcript:
        """Recognize a whole clip; see :class:`Recognizer`.

        Raises:
            RecognizerUnavailableError: No model is loaded.
            UnsupportedSampleRateError: The clip is not at the recognizer's rate.
        """
        if clip.sample_rate_hz != self._rate:
            raise UnsupportedSampleRateError()
        return self.recognize_stream([clip.pcm], hints=hints, duration_ms=clip.duration_ms)

    def recognize_stream(self, chunks: Iterable[bytes], *, hints: Sequence[str] = (),
                         duration_ms: float | None = None) -> Transcript:
        """Recognize PCM arriving in chunks (any size; fed to vosk 250 ms at a time)."""
        decoder, grammar = self._new_decoder(hints)
        total = 0
        start = time.perf_counter()
        results: list[dict[str, Any]] = []
        for chunk in chunks:
            total += len(chunk)
            for i in range(0, len(chunk), CHUNK_BYTES):
                if decoder.AcceptWaveform(chunk[i : i + CHUNK_BYTES]):
                    results.append(json.loads(decoder.Result()))
        results.append(json.loads(decoder.FinalResult()))
        elapsed_ms = (time.perf_counter() - start) * 1000
        merged = {"result": [w for r in results for w in r.get("result", [])]}
        clip_ms = duration_ms if duration_ms is not None else total / 2 / self._rate * 1000
        clip = AudioClip(pcm=b"", sample_rate_hz=self._rate)
        transcript = _transcript_from(merged, clip, elapsed_ms, grammar)
        return transcript.model_copy(update={"duration_ms": clip_ms})


class ScriptedRecognizer:
    """Returns prepared ``(text, confidence)`` pairs in order, for tests and demos.

    Once the script is used up it returns an empty, zero-confidence transcript.
    """

    def __init__(self, script: Iterable[tuple[str, float]] = ()) -> None:
        self._script: deque[tuple[str, float]] = deque(script)
        self.calls: list[tuple[float, tuple[str, ...]]] = []

    def add(self, text: str, confidence: float) -> None:
        """Append one transcript to the script."""
        self._script.append((text, confidence))

    def status(self) -> ComponentStatus:
        """Always available."""
        return ComponentStatus(available=True, engine="scripted")

    def recognize(self, clip: AudioClip, hints: Sequence[str] = ()) -> Transcript:
        """Return the next scripted transcript (records duration and hints of the call)."""
        self.calls.append((clip.duration_ms, tuple(hints)))
        text, confidence = self._script.popleft() if self._script else ("", 0.0)
        words = [WordTiming(word=text, start_ms=0, end_ms=clip.duration_ms,
                            confidence=confidence)] if text else []
        return Transcript(text=text, confidence=confidence if text else 0.0, words=words,
                          duration_ms=clip.duration_ms, engine="scripted")
