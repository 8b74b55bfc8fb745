"""Whisper recognizer pieces that need no model: prompt, echo detection, integrity check."""

import hashlib

import pytest

from speech.errors import RecognizerUnavailableError
from speech.models import AudioClip
from speech.settings import WhisperSettings
from speech.whisper import WhisperRecognizer, build_prompt, echoes_prompt
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
