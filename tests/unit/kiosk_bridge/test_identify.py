"""KioskBridge.identify: who calls, and a failed credential audited without its token."""

from __future__ import annotations

import logging

import pytest
from starlette.requests import Request

from kiosk_bridge.errors import KioskUnauthenticatedError
from kiosk_bridge.service import build
from kiosk_bridge.settings import KioskBridgeSettings

TOKEN = "kiosk-a-token-0123456789"


def _request(headers: dict[str, str], host: str = "203.0.113.7") -> Request:
    scope = {
        "type": "http", "method": "POST", "path": "/v1/ask", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (host, 40000), "server": ("testserver", 80), "scheme": "http",
    }  # fmt: skip
    return Request(scope)


@pytest.fixture
def bridge():
    settings = KioskBridgeSettings(
        credentials=[{"kiosk_id": "K-A", "token": TOKEN}], anonymous="deny"
    )
    return build(settings)


def test_a_known_token_names_its_kiosk_and_audits_nothing(bridge):
    recorded: list[tuple[str, str]] = []
    bridge.failed_auth_audit = lambda route, reason: recorded.append((route, reason))
    assert bridge.identify(_request({"X-Kiosk-Token": TOKEN})).kiosk_id == "K-A"
    assert recorded == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [({"X-Kiosk-Token": "wrong-token-secret-42"}, "unknown token"), ({}, "anonymous refused")],
)
def test_a_failed_credential_is_audited_with_route_and_reason(bridge, headers, reason):
    recorded: list[tuple[str, str]] = []
    bridge.failed_auth_audit = lambda route, why: recorded.append((route, why))
    with pytest.raises(KioskUnauthenticatedError):
        bridge.identify(_request(headers))
    assert recorded == [("POST /v1/ask", reason)]
    assert "secret-42" not in repr(recorded)


def test_an_audit_outage_still_answers_401_and_logs_no_token(bridge, caplog):
    def down(route: str, reason: str) -> None:
        raise RuntimeError("audit database down")

    bridge.failed_auth_audit = down
    with caplog.at_level(logging.ERROR), pytest.raises(KioskUnauthenticatedError):
        bridge.identify(_request({"X-Kiosk-Token": "wrong-token-secret-42"}))
    assert "failed kiosk credential not audited" in caplog.text
    assert "secret-42" not in caplog.text
