import numpy as np
import pytest

from speech.asr import ScriptedRecognizer, VoskRecognizer
from speech.errors import RecognizerUnavailableError
from speech.model_check import inspect_model
from speech.models import AudioClip
from speech.vad import EndpointDetector, VadConfig


def test_vosk_without_model_is_off_with_a_reason(tmp_path):
    off = VoskRecognizer(None)
    off.warm_up()
    assert not off.status().available and "no ASR model" in off.status().reason
    missing = VoskRecognizer(tmp_path / "nope")
    missing.warm_up()
    assert "not found" in missing.status().reason
    with pytest.raises(RecognizerUnavailableError):
        missing.recognize(AudioClip(pcm=b"\0\0" * 160, sample_rate_hz=16000))


def test_model_check_reports_missing_files(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--sample-frequency=8000\n")
    info = inspect_model(tmp_path)
    assert not info.usable and "am/final.mdl" in info.reason
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"x")
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "HCLr.fst").write_bytes(b"x")
    (tmp_path / "graph" / "Gr.fst").write_bytes(b"x")
    (tmp_path / "README").write_text("Small Chinese model for Vosk")
    info = inspect_model(tmp_path)
    assert info.usable and info.grammar_supported
    assert (info.language, info.sample_rate_hz) == ("zh", 8000)


def test_scripted_recognizer_plays_its_script():
    rec = ScriptedRecognizer([("居住证", 0.9)])
    clip = AudioClip(pcm=b"\0\0" * 1600, sample_rate_hz=16000)
    assert rec.recognize(clip, ["居住证"]).text == "居住证"
    assert rec.recognize(clip).confidence == 0.0


def test_silence_times_out_and_noise_bursts_end():
    cfg = VadConfig(no_speech_timeout_ms=600, end_silence_ms=300, start_ms=60)
    silent = EndpointDetector(cfg)
    state = silent.feed(b"\0\0" * 16000)
    assert state.ended and state.timed_out
    rng = np.random.default_rng(0)
    loud = (rng.normal(0, 6000, 16000)).astype("<i2").tobytes()
    speech = EndpointDetector(cfg)
    state = speech.feed(loud)
    state = speech.feed(b"\0\0" * 16000)
    assert state.started and state.ended and not state.timed_out
    assert state.speech_end_ms is not None and state.speech_end_ms <= 1500
