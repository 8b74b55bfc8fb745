"""The voice, pre-fill and script endpoints on the real app (no ASR model: voice off)."""

import io
import wave

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.settings import Settings
from kiosk_bridge.sealing import Direction, Sealer
from kiosk_bridge.testdata import synthetic_identities

pytestmark = pytest.mark.integration

SM4 = "0123456789abcdeffedcba9876543210"
MAC = bytes(range(1, 33)).hex()


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('voice')}/daoban.db"
    settings = Settings(database_url=url, speech={"tts_engine": "espeak"},
                        kiosk={"sm4_key_hex": SM4, "mac_key_hex": MAC, "anonymous": "allow"})
    with TestClient(create_app(settings)) as client:
        yield client


def wav(rate=16000):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\1\0" * rate)
    return buffer.getvalue()


def test_health_reports_voice_off_and_prefill_on(app_client):
    components = app_client.get("/health").json()["components"]
    assert components["voice.asr"]["available"] is False
    assert components["kiosk.prefill"]["available"] is True


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"", "speech.empty_audio"), (b"not a wav", "speech.corrupt_audio"),
     (wav(96000), "speech.unsupported_sample_rate"), (wav(), "speech.asr_unavailable")],
)
def test_asr_errors_are_clear(app_client, body, code):
    response = app_client.post("/v1/asr", content=body, headers={"content-type": "audio/wav"})
    assert 400 <= response.status_code < 600 and response.json()["code"] == code
    assert response.json()["message"]


def test_tts_falls_back_to_espeak_or_reports(app_client):
    response = app_client.post("/v1/tts", json={"text": "20个工作日办结", "elderly": True})
    if response.status_code == 200:
        assert response.headers["x-daoban-tts-engine"] == "espeak"
    else:
        assert response.json()["code"] == "speech.tts_failed"


def test_prefill_round_trip_and_tamper(app_client):
    sealer = Sealer(sm4_key=bytes.fromhex(SM4), mac_key=bytes.fromhex(MAC))
    matters = app_client.get("/v1/matters").json()
    items = matters["data"] if isinstance(matters, dict) else matters
    code = items[0]["code"]
    card = sealer.seal(synthetic_identities()[0].model_dump_json().encode(),
                       direction=Direction.CARD)
    response = app_client.post("/v1/prefill", json={"matter_code": code,
                                                    "card": card.model_dump()})
    assert response.status_code == 200, response.text
    assert "测试甲" not in response.text
    bad = card.model_copy(update={"mac_hex": "0" * 64}).model_dump()
    refused = app_client.post("/v1/prefill", json={"matter_code": code, "card": bad})
    assert refused.status_code == 400 and refused.json()["code"] == "kiosk.idcard_integrity"


def test_matter_script(app_client):
    matters = app_client.get("/v1/matters").json()
    code = (matters["data"] if isinstance(matters, dict) else matters)[0]["code"]
    script = app_client.get(f"/v1/matters/{code}/script", params={"pace": "elderly"}).json()
    assert "AI生成，仅供参考" in script["segments"][0]["text"]
    ssml = app_client.get(f"/v1/matters/{code}/script", params={"format": "ssml"})
    assert ssml.text.startswith("<speak")
