"""Kiosks are clients too: per-kiosk credentials on the real app (§9.2.2 b)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app

pytestmark = pytest.mark.integration

A = {"X-Kiosk-Token": "kiosk-a-token-0123456789"}
B = {"X-Kiosk-Token": "kiosk-b-token-9876543210"}
CREDENTIALS = [{"kiosk_id": "K-A", "token": A["X-Kiosk-Token"]},
               {"kiosk_id": "K-B", "token": B["X-Kiosk-Token"]}]


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('kc')}/daoban.db"


@pytest.fixture(scope="module")
def remote(database_url):
    """The app with two kiosk credentials, called from a non-loopback address."""
    url = database_url
    from assistant.settings import Settings

    settings = Settings(database_url=url,
                        kiosk={"credentials": CREDENTIALS, "anonymous": "loopback"})
    with TestClient(create_app(settings), client=("203.0.113.7", 40000)) as client:
        yield client


def test_one_kiosk_cannot_end_another_kiosks_session(remote):
    started = remote.post("/v1/kiosk/K-B/session", headers=B)
    assert started.status_code == 200
    stolen = remote.post("/v1/kiosk/K-B/session/end", json={}, headers=A)
    assert stolen.status_code == 403
    assert stolen.json()["code"] == "kiosk.forbidden"
    assert remote.get("/v1/kiosk/K-B/session", headers=B).json()["live"] is True
    assert remote.post("/v1/kiosk/K-B/session/end", json={}, headers=B).json() == {"ended": True}


def test_anonymous_and_wrong_tokens_are_refused_off_loopback(remote):
    for headers in ({}, {"X-Kiosk-Token": "not-a-kiosk-token-xx"}):
        for method, path, body in (
            ("post", "/v1/ask", {"question": "身份证怎么补办"}),
            ("post", "/v1/kiosk/K-A/session/end", {}),
            ("post", "/v1/tts", {"text": "你好"}),
            ("post", "/v1/prefill", {"matter_code": "HJ-0004", "card": {}}),
        ):
            response = getattr(remote, method)(path, json=body, headers=headers)
            assert response.status_code in (401, 422), (path, response.text)
            if response.status_code == 401:
                assert response.json()["code"] == "kiosk.unauthenticated"
                assert "message" in response.json()


def test_failed_kiosk_credentials_are_audited_without_the_token(remote, database_url):
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from guardrails.tables import AuditRow

    wrong = {"X-Kiosk-Token": "not-a-kiosk-token-audit-me"}
    assert remote.post("/v1/ask", json={"question": "身份证怎么补办"}, headers=wrong
                       ).status_code == 401
    assert remote.post("/v1/kiosk/K-A/session/end", json={}).status_code == 401  # anonymous
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(
                select(AuditRow).where(AuditRow.action == "kiosk.auth.failed")))
    finally:
        engine.dispose()
    seen = {(row.target, row.detail) for row in rows}
    assert ("route:POST /v1/ask", "unknown token") in seen
    assert ("route:POST /v1/kiosk/{kiosk_id}/session/end", "anonymous refused") in seen
    for row in rows:
        assert row.actor == "kiosk:anonymous" and row.role == "kiosk"
        assert "audit-me" not in f"{row.target} {row.detail} {row.actor}"


def test_ask_knows_its_kiosk(remote):
    ok = remote.post("/v1/ask", json={"question": "身份证怎么补办", "kiosk_id": "K-A"}, headers=A)
    assert ok.status_code == 200
    other = remote.post("/v1/ask", json={"question": "身份证怎么补办", "kiosk_id": "K-B"},
                        headers=A)
    assert other.status_code == 403


def test_health_says_how_kiosks_are_identified(remote):
    component = remote.get("/health").json()["components"]["kiosk.credentials"]
    assert component == {"available": True,
                         "detail": "2 kiosk credentials; anonymous kiosk calls from loopback only"}


def test_embedded_default_serves_loopback_only(settings_factory):
    settings = settings_factory(kiosk={"anonymous": "loopback"})
    app = create_app(settings)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.post("/v1/ask", json={"question": "身份证怎么补办"}).status_code == 200
        health = local.get("/health").json()["components"]["kiosk.credentials"]
        assert health["available"] is False and "loopback only" in health["detail"]
    with TestClient(app, client=("198.51.100.2", 40000)) as remote:
        response = remote.post("/v1/ask", json={"question": "身份证怎么补办"})
        assert response.status_code == 401


def test_voice_socket_refuses_an_unknown_kiosk(remote, database_url):
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session
    from starlette.websockets import WebSocketDisconnect

    from guardrails.tables import AuditRow

    wrong = {"X-Kiosk-Token": "wrong-token-xxxxxxx"}
    with remote.websocket_connect("/v1/voice", headers=wrong) as ws:
        message = ws.receive_json()
        assert message["code"] == "kiosk.unauthenticated"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            targets = set(session.scalars(select(AuditRow.target).where(
                AuditRow.action == "kiosk.auth.failed")))
    finally:
        engine.dispose()
    assert "route:WS /v1/voice" in targets
