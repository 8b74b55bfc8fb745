"""Whisper recognizer pieces that need no model: prompt, echo detection, integrity check, and
the model's lifecycle (lazy, once per process) with a stand-in model."""

import hashlib
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest

from speech.errors import RecognizerUnavailableError
from speech.models import AudioClip
from speech.settings import WhisperSettings
from speech.whisper import (
    WhisperRecognizer,
    build_prompt,
    build_vocabulary_prompt,
    echoes_prompt,
)
from speech.whisper_model import ModelIntegrityError, verify_model_bin

NAMES = ["护照", "居住证", "身份证补领", "户口迁移", "结婚登记"]


def test_prompt_takes_short_names_first_within_budget():
    prompt, names = build_prompt(["身份证补领", "护照", "护照", "居住证", "x" * 50], 12)
    assert names == ["护照", "居住证"]
    assert prompt == "护照，居住证。"
    assert build_prompt(NAMES, 0) == ("", [])


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("护照，居住证，身份证补领", True),   # the prompt read back
        ("居住证身份证", True),             # across a name boundary
        ("身份证补领户口迁移", True),
        ("居住证怎么办理", False),           # one name inside a real question
        ("我想办护照", False),
        ("身份证丢了怎么补办", False),
        ("", False),
    ],
)
def test_prompt_echo_detection(text, echo):
    assert echoes_prompt(text, NAMES) is echo


def test_two_names_covering_the_text_is_echo_but_a_question_with_two_is_not():
    assert echoes_prompt("护照 居住证", ["居住证", "社保卡", "护照"])
    assert not echoes_prompt("护照和居住证都丢了该怎么补办呢", ["居住证", "社保卡", "护照"])


def test_integrity_check_refuses_another_file(tmp_path):
    model = tmp_path / "model.bin"
    model.write_bytes(b"not the model")
    good = hashlib.sha256(b"not the model").hexdigest()
    verify_model_bin(model, good, len(b"not the model"))
    with pytest.raises(ModelIntegrityError, match="bytes"):
        verify_model_bin(model, good, 145_217_607)
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_model_bin(model, "0" * 64)
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_model_bin(tmp_path / "absent.bin", good)


def test_model_by_path_with_wrong_sha256_is_refused_and_reported(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"tampered")
    recognizer = WhisperRecognizer(WhisperSettings(model_path=tmp_path, model_sha256="a" * 64))
    recognizer.warm_up()
    status = recognizer.status()
    assert not status.available
    assert "refused" in status.reason
    with pytest.raises(RecognizerUnavailableError):
        recognizer.recognize(AudioClip(pcm=b"\0\0" * 1600, sample_rate_hz=16_000))


def test_missing_model_folder_is_reported(tmp_path):
    recognizer = WhisperRecognizer(WhisperSettings(model_path=tmp_path / "none"))
    recognizer.warm_up()
    assert not recognizer.status().available
    assert "no model.bin" in recognizer.status().reason


class _FakeModel:
    """Stands in for faster-whisper's model: one segment of text, no speech probability 0."""

    def transcribe(self, audio, **_options):  # noqa: ANN001, ANN003, ANN201
        segment = SimpleNamespace(text="居住证怎么办", no_speech_prob=0.01, avg_logprob=-0.2,
                                  compression_ratio=1.1)
        return iter([segment]), None


def _speech_clip() -> AudioClip:
    """One second of a loud 440 Hz tone between silences (webrtcvad hears it as voiced)."""
    t = np.arange(16_000) / 16_000
    tone = (8000 * np.sin(2 * np.pi * 440 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)))
    silence = np.zeros(8000)
    pcm = np.concatenate([silence, tone, silence]).astype("<i2").tobytes()
    return AudioClip(pcm=pcm, sample_rate_hz=16_000)


def test_model_loads_on_first_recognition_once_per_process(tmp_path, monkeypatch):
    loads: list[str] = []
    started, release = threading.Event(), threading.Event()

    def fake_load(self, slot):  # noqa: ANN001, ANN202
        loads.append("load")
        started.set()
        assert release.wait(5)
        slot.model, slot.folder, slot.state = _FakeModel(), tmp_path, "ready"

    monkeypatch.setattr(WhisperRecognizer, "_installed", lambda self: "")
    monkeypatch.setattr(WhisperRecognizer, "_load", fake_load)
    settings = WhisperSettings(model_path=tmp_path)
    first, second = WhisperRecognizer(settings), WhisperRecognizer(settings)
    status = first.status()
    assert (status.state, status.available) == ("absent", True)
    assert "first recognition" in status.reason
    clip = _speech_clip()
    with ThreadPoolExecutor(3) as pool:
        results = [pool.submit(r.recognize, clip) for r in (first, second, first)]
        assert started.wait(5)
        assert first.status().state == second.status().state == "loading"
        release.set()
        texts = [r.result(timeout=10).text for r in results]
    assert loads == ["load"], "one load for the whole process"
    assert texts == ["居住证怎么办"] * 3
    assert second.status().state == "ready" and second.model_dir == tmp_path
    assert WhisperRecognizer(WhisperSettings(model_path=tmp_path, beam_size=3)).state == "ready"


def test_a_refused_model_is_not_retried_on_every_recognition(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"tampered")
    recognizer = WhisperRecognizer(WhisperSettings(model_path=tmp_path, model_sha256="b" * 64))
    assert recognizer.status().available  # the file is there: not checked until first use
    for _ in range(2):
        with pytest.raises(RecognizerUnavailableError):
            recognizer.recognize(_speech_clip())
    status = recognizer.status()
    assert (status.available, status.state) == (False, "absent")
    assert "refused" in status.reason


def test_building_the_service_loads_nothing(tmp_path):
    """The app's start-up path (build + warm_up + status) imports neither faster-whisper nor
    CTranslate2 and reads no model: checked in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "from speech.service import build\n"
        "from speech.settings import SpeechSettings\n"
        "service = build(SpeechSettings(asr_engine='auto'))\n"
        "service.warm_up()\n"
        "status = service.status().asr\n"
        "print(json.dumps({'state': status.state, 'engine': status.engine,\n"
        "    'heavy': sorted(m for m in ('faster_whisper', 'ctranslate2', 'av', 'opencc',\n"
        "                                'wetext') if m in sys.modules)}))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"state": "absent", "engine": "faster-whisper", "heavy": []}
    assert not any(tmp_path.rglob("model.bin*")), "the parts were not even assembled"


def test_vocabulary_prompt_holds_the_words_most_frequent_across_the_names():
    names = ("居住证申领", "居住证签注", "身份证补领", "身份证换领", "护照申领", "结婚登记",
             "出生登记", "户口迁移登记")
    prompt, words = build_vocabulary_prompt(names, 40)
    # 申领 and 登记 in 3 phrases each (jieba keeps 结婚登记 whole), 居住证 / 身份证 in 2
    assert words[:4] == ["申领", "登记", "居住证", "身份证"]
    assert prompt == "、".join(words) + "。"
    assert all(len(w) >= 2 for w in words)
    assert build_vocabulary_prompt(names, 0) == ("", [])


def test_prompt_style_and_language_come_from_settings():
    names = ["居住证申领", "居住证签注", "护照申领"]
    vocabulary = WhisperRecognizer(WhisperSettings(prompt_style="vocabulary"))
    assert vocabulary.prompt(names)[1][:2] == ["申领", "居住证"]  # 2 phrases each: shorter first
    names_style = WhisperRecognizer(WhisperSettings(prompt_style="names"))
    assert names_style.prompt(names)[1][0] == "护照申领"
    assert WhisperSettings().prompt_style == "vocabulary"
    assert WhisperSettings(language="").language == ""
    with pytest.raises(ValueError):
        WhisperSettings(language="zh-CN")


def test_a_question_made_of_vocabulary_words_is_not_an_echo_of_the_vocabulary_prompt():
    words = ["登记", "证明", "申请", "公积金", "怎么", "办理", "居住证", "护照"]
    question = "居住证怎么办理"  # three prompt words, covering the whole text
    assert echoes_prompt(question, words)  # the names prompt's cover rule would reject it
    assert not echoes_prompt(question, words, cover=None, min_boundaries=2)
    assert not echoes_prompt("申请公积金", words, cover=None, min_boundaries=2)
    assert echoes_prompt("登记、证明、申请", words, cover=None, min_boundaries=2)
