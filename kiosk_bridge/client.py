"""A typed async client of the kiosk's device service (GB/T 47483 §8.3, port 8801).

Every call is ``POST {device_url}/{device}/{operation}`` with a JSON body validated against its
model in :mod:`kiosk_bridge.schemas`; every answer is parsed as a :class:`DeviceReply` and its
``data`` as the operation's model. Connection failures, timeouts and "busy" answers are retried
with exponential backoff; what remains becomes a clear :class:`DeviceError`.

The transport is injected (httpx's seam): production uses the default network transport,
tests use ``httpx.ASGITransport(simulator_app)``.

Example:
    >>> client = DeviceClient("http://127.0.0.1:8801", transport=httpx.ASGITransport(app))
    >>> await client.pickup_open()
    >>> chunk = await client.pickup_read()
"""

from __future__ import annotations

import asyncio
import logging
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from kiosk_bridge.errors import (
    DeviceAbsentError,
    DeviceBusyError,
    DeviceError,
    DeviceProtocolError,
    DeviceTimeoutError,
)
from kiosk_bridge.schemas import (
    OPERATIONS,
    AudioChunk,
    Device,
    DeviceReply,
    Empty,
    IdCardRead,
    KeyboardPopup,
    PlayPrompt,
    ReadAudio,
    RecordingStopped,
    StartRecording,
)

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class DeviceClient:
    """Async client of the device service.

    Args:
        base_url: E.g. ``http://127.0.0.1:8801``.
        transport: httpx transport (None: network).
        timeout_ms: Per-call timeout (ms).
        retries: Extra attempts after an absent, busy or timed-out call.
        backoff_ms: First backoff (ms), doubled each retry.
    """

    def __init__(self, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None,
                 timeout_ms: int = 2000, retries: int = 2, backoff_ms: int = 100) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, transport=transport,
                                       timeout=timeout_ms / 1000)
        self._retries = retries
        self._backoff_s = backoff_ms / 1000

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> DeviceClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def call(self, device: Device, operation: str, body: BaseModel) -> DeviceReply:
        """Send one operation and return its successful reply.

        Raises:
            DeviceAbsentError: Service unreachable or device missing.
            DeviceBusyError: Device busy after all retries.
            DeviceTimeoutError: No answer in time after all retries.
            DeviceProtocolError: The reply breaks the schema.
            DeviceError: Any other refusal.
        """
        request_model, _ = OPERATIONS[(device, operation)]
        if not isinstance(body, request_model):
            raise TypeError(f"{device}.{operation} takes {request_model.__name__}")
        payload = body.model_dump(mode="json")
        last: DeviceError = DeviceError()
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                response = await self._http.post(f"/{device}/{operation}", json=payload)
            except httpx.TimeoutException:
                last = DeviceTimeoutError()
                continue
            except httpx.TransportError:
                last = DeviceAbsentError()
                continue
            try:
                reply = DeviceReply.model_validate_json(response.content)
            except ValidationError as exc:
                if response.status_code == 404:
                    raise DeviceAbsentError() from exc
                raise DeviceProtocolError() from exc
            if reply.ok:
                return reply
            if reply.code == "busy" or response.status_code == 409:
                last = DeviceBusyError()
                continue
            if reply.code == "absent" or response.status_code == 404:
                raise DeviceAbsentError()
            raise DeviceError()
        logger.warning("device call failed", extra={
            "device": str(device), "operation": operation, "code": last.code,
        })
        raise last

    async def _data(self, device: Device, operation: str, body: BaseModel, model: type[M]) -> M:
        reply = await self.call(device, operation, body)
        try:
            return model.model_validate(reply.data)
        except ValidationError as exc:
            raise DeviceProtocolError() from exc

    async def pickup_open(self) -> None:
        """打开拾音器."""
        await self.call(Device.PICKUP, "open", Empty())

    async def pickup_close(self) -> None:
        """关闭拾音器."""
        await self.call(Device.PICKUP, "close", Empty())

    async def pickup_start(self, sample_rate_hz: int = 16_000,
                           max_duration_ms: int = 15_000) -> None:
        """开始录音 at ``sample_rate_hz`` (Hz) for at most ``max_duration_ms`` (ms)."""
        await self.call(Device.PICKUP, "start", StartRecording(
            sample_rate_hz=sample_rate_hz,
            max_duration_ms=max_duration_ms))

    async def pickup_read(self, max_bytes: int = 9600) -> AudioChunk:
        """Fetch the next recorded PCM chunk (at most ``max_bytes`` bytes)."""
        return await self._data(Device.PICKUP, "read", ReadAudio(max_bytes=max_bytes),
                                AudioChunk)

    async def pickup_stop(self) -> RecordingStopped:
        """结束录音."""
        return await self._data(Device.PICKUP, "stop", Empty(), RecordingStopped)

    async def voice_play(self, prompt: PlayPrompt) -> None:
        """语音提示: synthesize (or play the given audio) and play."""
        await self.call(Device.VOICE_PROMPT, "play", prompt)

    async def voice_stop(self) -> None:
        """停止播放."""
        await self.call(Device.VOICE_PROMPT, "stop", Empty())

    async def keyboard_popup(self, popup: KeyboardPopup) -> None:
        """软键盘弹出."""
        await self.call(Device.SOFT_KEYBOARD, "popup", popup)

    async def keyboard_close(self) -> None:
        """软键盘关闭."""
        await self.call(Device.SOFT_KEYBOARD, "close", Empty())

    async def id_card_open(self) -> None:
        """打开身份证阅读器."""
        await self.call(Device.ID_CARD, "open", Empty())

    async def id_card_close(self) -> None:
        """关闭身份证阅读器."""
        await self.call(Device.ID_CARD, "close", Empty())

    async def id_card_read(self) -> IdCardRead:
        """获取二代证信息: the sealed record (SM4 + HMAC-SM3)."""
        return await self._data(Device.ID_CARD, "read", Empty(), IdCardRead)
