import base64
import traceback

import httpx
import jsonschema
import pytest

from kiosk_bridge.client import DeviceClient
from kiosk_bridge.errors import (
    DeviceAbsentError,
    DeviceBusyError,
    DeviceProtocolError,
    DeviceTimeoutError,
    SessionEndedError,
)
from kiosk_bridge.schemas import Device, KeyboardPopup, PlayPrompt, json_schemas
from kiosk_bridge.sealing import Direction
from kiosk_bridge.session import EndReason, SessionManager
from kiosk_bridge.testdata import synthetic_identities


def test_schemas_validate_real_messages():
    schemas = json_schemas()
    jsonschema.validate({"text": "请放置证件", "rate": 0.8}, schemas["voice-prompt.play.request"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"sample_rate_hz": 11025}, schemas["pickup.start.request"])
    assert {"pickup.stop.request", "soft-keyboard.popup.request", "id-card.read.data"} <= set(
        schemas)


async def test_pickup_records_queued_audio(device, sim):
    sim.queue_pcm(b"\x01\x00" * 16000)
    await device.pickup_open()
    await device.pickup_start()
    chunks = []
    while True:
        chunk = await device.pickup_read(9600)
        chunks.append(base64.b64decode(chunk.pcm_base64))
        if chunk.ended:
            break
    stopped = await device.pickup_stop()
    assert b"".join(chunks) == b"\x01\x00" * 16000 and stopped.duration_ms == 1000


async def test_prompt_keyboard_and_card_reader(device, sim, sealer):
    await device.voice_play(PlayPrompt(text="请放置证件", rate=0.8))
    await device.keyboard_popup(KeyboardPopup())
    await device.id_card_open()
    sealed = await device.id_card_read()
    assert b"330106" in sealer.open(sealed, direction=Direction.CARD)
    assert sim.prompts[0].text == "请放置证件" and len(sim.keyboard) == 1


async def test_busy_absent_not_open(device, sim):
    sim.busy.add(Device.ID_CARD)
    with pytest.raises(DeviceBusyError):
        await device.id_card_open()
    sim.busy.clear()
    sim.absent.add(Device.PICKUP)
    with pytest.raises(DeviceAbsentError):
        await device.pickup_open()


async def test_transport_failures_are_retried_then_clear():
    calls = []

    def refuse(request):
        calls.append(request)
        raise httpx.ConnectError("refused")

    client = DeviceClient("http://kiosk", transport=httpx.MockTransport(refuse), retries=2,
                          backoff_ms=0)
    with pytest.raises(DeviceAbsentError):
        await client.pickup_open()
    assert len(calls) == 3

    def slow(_request):
        raise httpx.ReadTimeout("slow")

    with pytest.raises(DeviceTimeoutError):
        await DeviceClient("http://k", transport=httpx.MockTransport(slow), retries=0).voice_stop()

    def garbage(_request):
        return httpx.Response(200, json={"unexpected": True})

    with pytest.raises(DeviceProtocolError):
        await DeviceClient("http://k", transport=httpx.MockTransport(garbage)).voice_stop()


async def test_a_card_sent_in_clear_is_refused_without_its_values():
    card = synthetic_identities()[0]

    def in_clear(_request):
        return httpx.Response(200, json={"ok": True, "data": card.model_dump(mode="json")})

    client = DeviceClient("http://k", transport=httpx.MockTransport(in_clear))
    with pytest.raises(DeviceProtocolError) as raised:
        await client.id_card_read()
    trace = "".join(traceback.format_exception(raised.value))
    assert "ciphertext_base64" in trace  # the error names the fields
    assert card.name not in trace and card.id_number not in trace and card.address not in trace


def test_session_lifecycle_nothing_carries_over():
    now = [0.0]
    ended = []
    sessions = SessionManager(idle_timeout_s=60, clock=lambda: now[0])
    sessions.on_end(lambda sid, reason: ended.append((sid, reason)))
    first = sessions.start("k1")
    first.low_confidence_turns = 1
    first.audio.extend(b"abc")
    second = sessions.start("k1")  # new citizen
    assert second.session_id != first.session_id and second.low_confidence_turns == 0
    assert ended == [(first.session_id, EndReason.NEW_CITIZEN)] and not first.audio
    now[0] = 61
    with pytest.raises(SessionEndedError):
        sessions.current("k1")
    assert ended[-1] == (second.session_id, EndReason.IDLE_TIMEOUT)
    sessions.start("k1")
    assert sessions.end("k1", EndReason.CARD_REMOVED) and len(sessions) == 0
