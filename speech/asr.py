"""Speech recognition: the :class:`Recognizer` protocol, vosk, and a scripted double.

:class:`VoskRecognizer` loads a vosk model from a configured folder in :meth:`warm_up` (never
in ``__init__``), decodes 16 kHz mono 16-bit PCM in chunks, and, where the model has a lookahead
graph, constrains decoding to phrase hints (matter names and aliases) plus ``[unk]``. Hints are
written in the model's words first (split longest-first where a name is not one word); hints
that cannot be are dropped, and when none remain, decoding is free.

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
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from speech.decoder import default_cache_dir, tuned_model_dir
from speech.errors import RecognizerUnavailableError, UnsupportedSampleRateError
from speech.model_check import inspect_model
from speech.models import BYTES_PER_SAMPLE, AudioClip, ComponentStatus, Transcript, WordTiming
from speech.settings import DecoderSettings
from speech.vad import VadConfig, cut, speech_bounds

logger = logging.getLogger(__name__)

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


@dataclass
class _Decoder:
    """A vosk KaldiRecognizer with the grammar it was built for and its utterance count."""

    recognizer: Any
    key: str
    grammar: bool
    utterances: int = 0
    samples_before: int = 0
    """Samples fed in earlier utterances: vosk counts word times from its first sample."""


class VoskRecognizer:
    """vosk (Kaldi) recognizer over a local model folder.

    Speed (``settings.decoder``, :class:`~speech.settings.DecoderSettings`):

    - Kaldi search options (beam, max-active, lattice-beam) are applied by loading a tuned
      overlay of the model folder (:func:`speech.decoder.tuned_model_dir`).
    - Finished decoders are kept and reused: a vosk model with a lookahead graph composes
      ``HCLr.fst`` with ``Gr.fst`` lazily, per decoder, and that expansion is most of the cost of
      free decoding. vosk resets the audio, features and speaker adaptation of a decoder after
      its final result, so what carries over between utterances is only the expanded,
      shared graph (no audio, no text). A decoder that failed mid-utterance is dropped.
    - :meth:`warm_up` primes one free decoder with a few seconds of speech-like noise, so
      the first citizen after a start does not pay for the first expansion of the graph.
    - Optionally (``trim_silence``, off by default: it cost CER on the Korean set), leading and
      trailing non-speech is cut with webrtcvad before decoding; word timings stay relative
      to the start of the clip given.

    Args:
        model_path: The model folder (``daoban models check`` verifies it); None means off.
        sample_rate_hz: Rate of the PCM given to :meth:`recognize` (16,000 Hz).
        max_hints: Phrase hints passed to the grammar at most.
        decoder: Decoding settings; None uses the defaults of :class:`DecoderSettings`.
        vad: webrtcvad settings for silence trimming; None uses :class:`VadConfig` defaults.
    """

    MAX_GRAMMARS = 4
    """Distinct phrase-hint grammars whose decoders are kept at a time."""

    MAX_WORD_CHARS = 8
    """Longest vocabulary word tried when splitting a hint into model words (characters)."""

    def __init__(self, model_path: Path | None, *, sample_rate_hz: int = 16_000,
                 max_hints: int = 500, decoder: DecoderSettings | None = None,
                 vad: VadConfig | None = None) -> None:
        self._path = model_path
        self._rate = sample_rate_hz
        self._max_hints = max_hints
        self._cfg = decoder or DecoderSettings()
        self._vad = vad or VadConfig()
        self._model: Any = None
        self._grammar_ok = False
        self._reason = "not warmed up"
        self._lock = threading.Lock()
        self._idle: OrderedDict[str, list[_Decoder]] = OrderedDict()
        self._grammars: dict[tuple[str, ...], str] = {}
        self.loaded_path: Path | None = None
        """The folder vosk loaded: the model, or its tuned overlay."""

    @property
    def idle_decoders(self) -> int:
        """Finished decoders kept for reuse, over all grammars."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    @property
    def decoder_settings(self) -> DecoderSettings:
        """The decoding settings in use."""
        return self._cfg

    def _load_path(self, path: Path) -> Path:
        cfg = self._cfg
        try:
            return tuned_model_dir(path, cfg, cfg.overlay_cache_dir or default_cache_dir())
        except OSError:
            logger.warning("asr decoder options not applied; loading the model as it is")
            return path

    def warm_up(self) -> None:
        """Load the model; on failure, stay unavailable with a reason (never raises).

        Idempotent: once a model is loaded, later calls neither reload nor prime again.
        """
        if self._model is not None:
            return
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
        load_path = self._load_path(self._path)
        try:
            self._model = Model(str(load_path))
        except Exception:  # Kaldi errors surface as bare Exception
            self._reason = f"vosk failed to load the model at {self._path}"
            logger.warning("asr model failed to load")
            return
        self.loaded_path = load_path
        self._grammar_ok = info.grammar_supported
        self._reason = ""
        logger.info("asr model loaded", extra={
            "load_ms": round((time.perf_counter() - start) * 1000),
            "grammar": self._grammar_ok, "tuned": load_path != self._path,
        })
        self._prime()

    def _prime(self) -> None:
        """Expand the free-decoding graph once with speech-like noise, and keep the decoder."""
        ms = self._cfg.warm_up_audio_ms
        if not (ms and self._cfg.reuse_decoders):
            return
        start = time.perf_counter()
        samples = self._rate * ms // 1000
        rng = np.random.default_rng(20260)
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * np.arange(samples) / self._rate)
        pcm = (rng.normal(0.0, 4000.0, samples) * envelope).astype("<i2").tobytes()
        try:
            self._decode([pcm], ())
        except Exception:  # noqa: BLE001  # priming is an optimization; Kaldi raises bare Exception
            logger.warning("asr decoder priming failed")
            return
        logger.info("asr decoder primed", extra={
            "audio_ms": ms, "ms": round((time.perf_counter() - start) * 1000)})

    @property
    def grammar_supported(self) -> bool:
        """True when the loaded model accepts phrase hints."""
        return self._grammar_ok

    def status(self) -> ComponentStatus:
        """Available once a model is loaded."""
        return ComponentStatus(available=self._model is not None, engine="vosk",
                               reason=self._reason)

    def _in_vocabulary(self, word: str) -> bool:
        return int(self._model.vosk_model_find_word(word)) >= 0

    def _segment(self, token: str) -> list[str] | None:
        """``token`` as model words: itself, or its longest-first split (None if impossible)."""
        if self._in_vocabulary(token):
            return [token]
        pieces: list[str] = []
        i = 0
        while i < len(token):
            for j in range(min(len(token), i + self.MAX_WORD_CHARS), i, -1):
                if self._in_vocabulary(token[i:j]):
                    pieces.append(token[i:j])
                    i = j
                    break
            else:
                return None
        return pieces

    def _grammar(self, hints: Sequence[str]) -> str:
        """The grammar JSON for ``hints`` ("" for free decoding).

        vosk ignores words missing from the model's vocabulary, and a grammar left with no
        words recognizes nothing; so every hint is first written in model words (a Chinese
        matter name such as "居住证" may be one word or several), hints that cannot be are
        dropped, and when none remains decoding is free.
        """
        if not (hints and self._grammar_ok):
            return ""
        key = tuple(hints)
        with self._lock:
            cached = self._grammars.get(key)
        if cached is not None:
            return cached
        phrases: list[str] = []
        for hint in dict.fromkeys(h.strip() for h in hints if h.strip()):
            words: list[str] = []
            for token in hint.split():
                pieces = self._segment(token)
                if pieces is None:
                    break
                words += pieces
            else:
                phrases.append(" ".join(words))
        phrases = list(dict.fromkeys(phrases))[: self._max_hints]
        if phrases and self._in_vocabulary("[unk]"):
            phrases.append("[unk]")
        grammar = json.dumps(phrases, ensure_ascii=False) if phrases else ""
        with self._lock:
            if len(self._grammars) >= self.MAX_GRAMMARS:
                self._grammars.pop(next(iter(self._grammars)))
            self._grammars[key] = grammar
        return grammar

    def _acquire(self, hints: Sequence[str]) -> _Decoder:
        if self._model is None:
            raise RecognizerUnavailableError()
        key = self._grammar(hints)
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                self._idle.move_to_end(key)
                return idle.pop()
        from vosk import KaldiRecognizer

        if key:
            recognizer = KaldiRecognizer(self._model, self._rate, key)
        else:
            recognizer = KaldiRecognizer(self._model, self._rate)
        recognizer.SetWords(True)  # word confidences give the transcript's confidence
        recognizer.SetMaxAlternatives(0)
        return _Decoder(recognizer=recognizer, key=key, grammar=bool(key))

    def _release(self, decoder: _Decoder) -> None:
        """Keep a decoder whose final result was read, within the configured limits."""
        cfg = self._cfg
        decoder.utterances += 1
        if not cfg.reuse_decoders or decoder.utterances >= cfg.max_utterances_per_decoder:
            return
        with self._lock:
            idle = self._idle.setdefault(decoder.key, [])
            self._idle.move_to_end(decoder.key)
            if len(idle) < cfg.max_idle_decoders:
                idle.append(decoder)
            while len(self._idle) > self.MAX_GRAMMARS:
                self._idle.popitem(last=False)

    def _decode(self, chunks: Iterable[bytes],
                hints: Sequence[str]) -> tuple[dict[str, Any], bool]:
        """Feed ``chunks``; return merged words and whether a grammar was used."""
        decoder = self._acquire(hints)
        step = max(2, self._rate * BYTES_PER_SAMPLE * self._cfg.chunk_ms // 1000 // 2 * 2)
        total = 0
        results: list[dict[str, Any]] = []
        for chunk in chunks:
            total += len(chunk)
            for i in range(0, len(chunk), step):
                if decoder.recognizer.AcceptWaveform(chunk[i : i + step]):
                    results.append(json.loads(decoder.recognizer.Result()))
        results.append(json.loads(decoder.recognizer.FinalResult()))
        words = [w for r in results for w in r.get("result", [])]
        shift = decoder.samples_before / self._rate  # seconds of earlier utterances
        for word in words:
            word["start"] = max(0.0, float(word["start"]) - shift)
            word["end"] = max(0.0, float(word["end"]) - shift)
        decoder.samples_before += total // BYTES_PER_SAMPLE
        # Only after the final result: a failed decoder is dropped. From the finalized state
        # vosk's next AcceptWaveform rebuilds the feature pipeline (and its speaker
        # adaptation); no Reset(), which in some vosk versions keeps the pipeline instead.
        self._release(decoder)
        return {"result": words}, decoder.grammar

    def recognize(self, clip: AudioClip, hints: Sequence[str] = ()) -> Transcript:
        """Recognize a whole clip; see :class:`Recognizer`.

        ``processing_ms`` of the transcript covers silence trimming and decoding.

        Raises:
            RecognizerUnavailableError: No model is loaded.
            UnsupportedSampleRateError: The clip is not at the recognizer's rate.
        """
        if clip.sample_rate_hz != self._rate:
            raise UnsupportedSampleRateError()
        if self._model is None:
            raise RecognizerUnavailableError()
        start = time.perf_counter()
        offset_ms = 0.0
        speech = clip
        if self._cfg.trim_silence and clip.pcm:
            bounds = speech_bounds(clip, self._vad)
            if bounds is not None:  # no speech found: decode all of it rather than guess
                pad = self._cfg.trim_pad_ms
                offset_ms = max(0.0, bounds[0] - pad)
                speech = cut(clip, offset_ms, bounds[1] + pad)
        merged, grammar = self._decode([speech.pcm], hints)
        for word in merged["result"]:
            word["start"] = float(word["start"]) + offset_ms / 1000
            word["end"] = float(word["end"]) + offset_ms / 1000
        return _transcript_from(merged, clip, (time.perf_counter() - start) * 1000, grammar)


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
