"""Device-interface messages (GB/T 47483 §8.2, §8.4) and their JSON Schemas.

The kiosk's device service (port 8801, §8.3) exposes, for the devices daoban uses:

============  ===================================  =====================================
device        operations (§8.4)                    paths (POST, JSON in, JSON out)
============  ===================================  =====================================
拾音器 pickup   open, close, start/stop recording    /pickup/{open,close,start,read,stop}
语音提示 voice  synthesize-and-play, stop            /voice-prompt/{play,stop}
软键盘 keyboard pop up, close                        /soft-keyboard/{popup,close}
身份证阅读器    open, close, read                    /id-card/{open,close,read}
============  ===================================  =====================================

Every answer is a :class:`DeviceReply` envelope (``ok``, ``code``, ``message``, ``data``).
:func:`json_schemas` exports one JSON Schema per message, published at
``GET /v1/kiosk/schemas``; the client validates every reply against these models and the
simulator validates every request, so both sides hold to the same contract.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kiosk_bridge.sealing import SealedPayload


class _Message(BaseModel):
    # a device may answer with personal data (an ID card in clear, from a misconfigured
    # reader): validation errors, and the tracebacks that chain them, name fields, not values
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Device(StrEnum):
    """Devices of §8.4 that daoban drives."""

    PICKUP = "pickup"
    VOICE_PROMPT = "voice-prompt"
    SOFT_KEYBOARD = "soft-keyboard"
    ID_CARD = "id-card"


class DeviceReply(_Message):
    """Envelope of every device answer."""

    ok: bool
    code: str = Field(default="ok", description="ok | busy | absent | invalid | not_open | ...")
    message: str = Field(default="", max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, description="Operation-specific payload")


class Empty(_Message):
    """A request with no parameters (open, close, stop)."""


class StartRecording(_Message):
    """Start recording on the pickup (拾音器 开始录音)."""

    sample_rate_hz: Literal[8000, 16000, 32000, 48000] = 16_000
    max_duration_ms: int = Field(default=15_000, ge=500, le=60_000)


class ReadAudio(_Message):
    """Fetch the next recorded chunk."""

    max_bytes: int = Field(default=16_000, ge=320, le=1_000_000)


class AudioChunk(_Message):
    """A chunk of recorded 16-bit mono PCM (base64) and whether the recording has ended."""

    pcm_base64: str
    sample_rate_hz: int
    ended: bool = Field(description="No more audio: the device stopped or its source ran out")


class RecordingStopped(_Message):
    """What ``stop`` returns: total recorded duration."""

    duration_ms: float = Field(ge=0)


class PlayPrompt(_Message):
    """Synthesize-and-play (语音提示): text, or audio already synthesized by daoban."""

    text: str = Field(min_length=1, max_length=2000, description="What is said (and shown)")
    audio_base64: str | None = Field(default=None, description="WAV/MP3 to play instead of TTS")
    media_type: Literal["audio/wav", "audio/mpeg"] | None = None
    rate: float = Field(default=1.0, ge=0.5, le=1.5, description="Speed factor (elderly < 1)")


class KeyboardPopup(_Message):
    """Pop up the soft keyboard (软键盘 弹出)."""

    prompt: str = Field(default="请输入您要办理的事项", max_length=100)
    input_type: Literal["text", "number", "id_number", "phone"] = "text"
    max_length: int = Field(default=100, ge=1, le=500)


IdCardRead = SealedPayload
"""What the reader returns: the record SM4-encrypted with an HMAC-SM3 (§9.3.2)."""


OPERATIONS: dict[tuple[Device, str], tuple[type[BaseModel], type[BaseModel] | None]] = {
    (Device.PICKUP, "open"): (Empty, None),
    (Device.PICKUP, "close"): (Empty, None),
    (Device.PICKUP, "start"): (StartRecording, None),
    (Device.PICKUP, "read"): (ReadAudio, AudioChunk),
    (Device.PICKUP, "stop"): (Empty, RecordingStopped),
    (Device.VOICE_PROMPT, "play"): (PlayPrompt, None),
    (Device.VOICE_PROMPT, "stop"): (Empty, None),
    (Device.SOFT_KEYBOARD, "popup"): (KeyboardPopup, None),
    (Device.SOFT_KEYBOARD, "close"): (Empty, None),
    (Device.ID_CARD, "open"): (Empty, None),
    (Device.ID_CARD, "close"): (Empty, None),
    (Device.ID_CARD, "read"): (Empty, IdCardRead),
}
"""(device, operation) → (request model, model of ``DeviceReply.data`` or None)."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema (draft 2020-12) of every message, keyed ``device.operation.request|reply``."""
    schemas: dict[str, dict[str, Any]] = {"reply": DeviceReply.model_json_schema()}
    for (device, operation), (request, data) in OPERATIONS.items():
        schemas[f"{device}.{operation}.request"] = request.model_json_schema()
        if data is not None:
            schemas[f"{device}.{operation}.data"] = data.model_json_schema()
    for schema in schemas.values():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schemas
