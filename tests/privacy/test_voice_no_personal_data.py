"""No personal data stored or logged on the voice paths (GB/T 47483 §9.4.1 d).

The citizen says their name, ID number and phone number. Recognition is the one stage that
cannot be made to hear Chinese here (the only vosk model is Korean), so the transcript enters
through the recognizer: a :class:`ScriptedRecognizer` hears the personal data, behind the real
speech service, pipeline, guardrails, TTS, database and kiosk bridge. The audio itself is real
espeak-ng Mandarin speech of the same sentence, in the voice the product speaks with (the
configured ``speech.espeak_voice``, ``cmn-latn-pinyin``). The text then goes through
``POST /v1/asr`` (WAV and raw PCM), ``POST /v1/tts``, ``WS /v1/voice``, ``POST /v1/prefill``
(a sealed card carrying the same name, number and address, accepted and refused) and
``daoban kiosk-demo``,
all with logging at DEBUG. Then the logs (messages and every ``extra`` field), stdout/stderr,
every database table, the review queue and the TTS prompt cache are scanned: zero hits is the
only pass.

``POST /v1/asr`` returns the transcript to the kiosk that sent the audio (its purpose) and the
WS sends it back as the ``transcript`` frame; every other response frame is scanned too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import assistant.voice
from assistant.app import create_app
from assistant.cli import app as daoban_cli
from assistant.settings import Settings
from kiosk_bridge.idcard import IdCardData
from kiosk_bridge.sealing import Direction, Sealer
from speech.asr import ScriptedRecognizer
from speech.audio import decode_wav
from speech.models import TtsEngine
from speech.service import SpeechService, build_output
from speech.spoken_text import normalize_for_speech
from tests.privacy.test_no_personal_data_stored import (
    VALUES,
    _leaks,
    _review_leaks,
    _scan_database,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]

REVIEWER = "reviewer-token-0123456789"
SM4 = "0123456789abcdeffedcba9876543210"
MAC = bytes(range(1, 33)).hex()
SPOKEN = [
    f"我叫{VALUES['name']}，身份证号{VALUES['id']}，电话{VALUES['phone']}，我想办居住证",
    f"身份证{VALUES['id_spaced']}丢了怎么补办，联系电话{VALUES['phone']}",
    f"帮我查一下{VALUES['name']}的社保，住在{VALUES['address']}",
]


class _Hearing(ScriptedRecognizer):
    """Hears the personal-data sentences, in turn, forever."""

    def __init__(self) -> None:
        super().__init__()
        self.turns = 0

    def recognize(self, clip, hints=()):  # noqa: ANN001, ANN201
        self.add(SPOKEN[self.turns % len(SPOKEN)], 0.93)
        self.turns += 1
        return super().recognize(clip, hints)


@pytest.fixture(scope="module")
def hearing() -> _Hearing:
    return _Hearing()


@pytest.fixture(scope="module")
def patched_speech(hearing: _Hearing) -> Iterator[None]:
    """The composition root builds its speech service around the hearing recognizer."""
    original = getattr(assistant.voice, "build_speech")  # noqa: B009 - not exported
    setattr(assistant.voice, "build_speech",  # noqa: B010
            lambda settings: original(settings, recognizer=hearing))
    yield
    setattr(assistant.voice, "build_speech", original)  # noqa: B010


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('voice-privacy')}/daoban.db"


@pytest.fixture(scope="module")
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url, log_level="DEBUG",
        speech={"tts_engine": "espeak"},  # prompt cache on: it is scanned too
        kiosk={"sm4_key_hex": SM4, "mac_key_hex": MAC, "anonymous": "allow"},
        guardrails={"tokens": [{"token": REVIEWER, "role": "reviewer", "name": "alice"}]},
    )  # fmt: skip


@pytest.fixture(scope="module")
def client(settings: Settings, patched_speech: None) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def spoken_wav(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first sentence in the product's own offline voice (the configured espeak-ng voice,
    ``cmn-latn-pinyin`` by default; normalized for speech, so digits are read one by one)."""
    synthesis = asyncio.run(build_output(settings.speech).speak(SPOKEN[0]))
    assert synthesis.engine is TtsEngine.ESPEAK and synthesis.media_type == "audio/wav"
    wav = tmp_path_factory.mktemp("spoken") / "citizen.wav"
    wav.write_bytes(synthesis.audio)
    return wav


def _card(**changes: object) -> IdCardData:
    card = IdCardData(
        name=VALUES["name"], sex="男", ethnicity="汉", birth_date=date(1990, 1, 1),
        address=VALUES["address"], id_number=VALUES["id"],
        issuing_authority="北京市公安局东城分局", valid_from=date(2020, 1, 1),
        valid_until=date(2040, 1, 1),
    )  # fmt: skip
    return card.model_copy(update=changes)


def _cache_leaks(speech: SpeechService) -> list[str]:
    """Personal data, as written or as read aloud, in the TTS prompt cache (keys and values)."""
    cache = speech.output._cache
    assert cache, "the service's own answers were cached"
    text = "".join(f"{key}{value.spoken_text}" for key, value in cache.items()).replace(" ", "")
    spoken = [key for key, value in VALUES.items()
              if normalize_for_speech(value).replace(" ", "") in text]  # fmt: skip
    return sorted(set(_leaks(text)) | set(spoken))


def _log_text(records: list[logging.LogRecord]) -> str:
    """Every message and every attribute (``extra`` fields included) of the records."""
    return "\n".join(json.dumps({k: str(v) for k, v in vars(r).items()}, ensure_ascii=False)
                     for r in records)  # fmt: skip


def test_voice_paths_never_store_or_log_personal_data(
    client: TestClient,
    hearing: _Hearing,
    db_url: str,
    spoken_wav: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    wav = spoken_wav.read_bytes()
    pcm = decode_wav(wav).pcm
    responses: list[str] = []  # everything but the transcript itself must be clean
    transcripts: list[str] = []

    # POST /v1/asr, WAV and raw PCM
    for body, params, kind in ((wav, None, "audio/wav"),
                               (pcm, {"sample_rate_hz": 16000}, "audio/l16")):  # fmt: skip
        response = client.post("/v1/asr", content=body, params=params,
                               headers={"content-type": kind})  # fmt: skip
        assert response.status_code == 200, response.text
        body_json = response.json()
        transcripts.append(body_json.pop("text"))
        body_json.pop("words")
        responses.append(json.dumps(body_json, ensure_ascii=False))
    assert any(VALUES["id"] in t for t in transcripts)  # the recognizer did hear it

    # POST /v1/tts: personal data read aloud (normalized digit by digit), both paces
    for text in SPOKEN:
        for elderly in (False, True):
            spoken = client.post("/v1/tts", json={"text": text, "elderly": elderly})
            assert spoken.status_code == 200, spoken.text
            responses.append(json.dumps(dict(spoken.headers), ensure_ascii=False))
    responses.append(client.post("/v1/tts", json={"text": SPOKEN[0] * 40}).text)  # too long

    # WS /v1/voice: complete turns, and a turn the server refuses mid-way
    for elderly in (False, True):
        with client.websocket_connect("/v1/voice") as ws:
            ws.send_json({"type": "start", "sample_rate_hz": 16000, "elderly": elderly,
                          "session_id": "privacy-1"})  # fmt: skip
            for i in range(0, len(pcm), 3200):
                ws.send_bytes(pcm[i : i + 3200])
            ws.send_json({"type": "stop"})
            while True:
                message = ws.receive()
                if message["type"] == "websocket.close":
                    break
                if message.get("text"):
                    frame = json.loads(message["text"])
                    if frame["type"] == "transcript":
                        transcripts.append(frame["text"])
                        continue
                    if frame["type"] == "answer":
                        assert "AI生成，仅供参考" in frame["screen_text"]
                    responses.append(message["text"])
    with client.websocket_connect("/v1/voice") as ws:
        ws.send_json({"type": "start"})
        ws.send_bytes(pcm[:3201])  # odd byte count: refused
        ws.send_json({"type": "stop"})
        responses += [json.dumps(ws.receive_json(), ensure_ascii=False) for _ in range(2)]
    with client.websocket_connect("/v1/voice") as ws:
        ws.send_text(json.dumps({"type": "start", "session_id": VALUES["phone"] + "!"}))
        responses.append(json.dumps(ws.receive_json(), ensure_ascii=False))
    with client.websocket_connect("/v1/voice") as ws:
        ws.send_json({"type": "start"})
        ws.send_text(SPOKEN[0])  # personal data in a malformed control frame
        responses.append(json.dumps(ws.receive_json(), ensure_ascii=False))

    # POST /v1/prefill: accepted, tampered, expired, invalid number, mismatched birth date
    sealer = Sealer(sm4_key=bytes.fromhex(SM4), mac_key=bytes.fromhex(MAC))
    matters = client.get("/v1/matters").json()
    code = (matters["data"] if isinstance(matters, dict) else matters)[0]["code"]
    cards = [_card(), _card(valid_until=date(2021, 1, 1)),
             _card(id_number=VALUES["id"][:-1] + "0"), _card(birth_date=date(1991, 1, 1))]
    for card in cards:
        sealed = sealer.seal(card.model_dump_json().encode(), direction=Direction.CARD)
        responses.append(client.post("/v1/prefill", json={"matter_code": code,
                                                          "card": sealed.model_dump()}).text)
    tampered = sealer.seal(_card().model_dump_json().encode(),
                           direction=Direction.CARD).model_copy(
        update={"mac_hex": "0" * 64})
    responses.append(client.post("/v1/prefill", json={"matter_code": code,
                                                      "card": tampered.model_dump()}).text)
    plain = {"matter_code": code, "card": _card().model_dump(mode="json")}  # not sealed
    responses.append(client.post("/v1/prefill", json=plain).text)
    assert any('"filled"' in r or "ciphertext" in r for r in responses[-6:])

    # daoban kiosk-demo: the same sentence through the simulator, on the same database
    monkeypatch.setenv("DAOBAN_DATABASE_URL", db_url)
    monkeypatch.setenv("DAOBAN_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("DAOBAN_SPEECH__TTS_ENGINE", "espeak")
    heard_before = hearing.turns
    demo = CliRunner().invoke(daoban_cli, ["kiosk-demo", "--audio", str(spoken_wav), "--json"])
    assert demo.exit_code == 0, demo.output
    assert hearing.turns > heard_before  # the demo's recognizer heard the personal data
    demo_report = json.loads(demo.stdout.strip().splitlines()[-1])
    assert demo_report["answer"] and "AI生成，仅供参考" in demo_report["answer"]

    auth = {"Authorization": f"Bearer {REVIEWER}"}
    leaks = {
        "database": _scan_database(db_url),
        "logs": _leaks(_log_text(caplog.records)),
        "stdio": _leaks("".join(capfd.readouterr())),
        **_review_leaks(client, auth),
        "responses": _leaks("\n".join(responses)),
        "kiosk_demo": _leaks(demo.output),
        "tts_cache": _cache_leaks(client.app_state["speech"]),
    }
    assert leaks == {key: [] for key in leaks}
    assert caplog.records, "DEBUG logging was captured"
