"""Sessions belong to the terminal that started them (GB/T 47483 §9.2.2 b), on the real app:
another kiosk's credential (or an anonymous caller) cannot read, continue or end a citizen's
session — in the in-memory dialogue store and in Redis shared by several workers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.app import create_app
from assistant.composition.sessions import RedisSessionStore
from assistant.dialogue import SessionStore
from assistant.settings import Settings
from kiosk_bridge.errors import SessionForbiddenError

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("DAOBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
A = {"X-Kiosk-Token": "kiosk-a-token-0123456789"}
B = {"X-Kiosk-Token": "kiosk-b-token-9876543210"}
CREDENTIALS = [
    {"kiosk_id": "K-A", "token": A["X-Kiosk-Token"]},
    {"kiosk_id": "K-B", "token": B["X-Kiosk-Token"]},
]
FORBIDDEN = ("kiosk.forbidden", "kiosk.session_forbidden")


def _settings(url: str, redis_url: str | None = None) -> Settings:
    return Settings(
        database_url=url,
        redis_url=redis_url,
        kiosk={"credentials": CREDENTIALS, "anonymous": "allow"},
    )


def _redis_or_skip() -> None:
    if not RedisSessionStore.from_url(REDIS_URL, ttl_s=5).ping():
        if os.environ.get("CI"):
            pytest.fail("Redis not reachable")
        pytest.skip("Redis not reachable")


@pytest.fixture(scope="module", params=["memory", "redis"])
def workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one database: the same app twice (memory), or two workers over Redis."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bind')}/daoban.db"
    if request.param == "memory":
        with TestClient(create_app(_settings(url)), client=("203.0.113.7", 4000)) as client:
            yield client, client
        return
    _redis_or_skip()
    first = create_app(_settings(url, redis_url=REDIS_URL))
    second = create_app(_settings(url, redis_url=REDIS_URL))
    with (
        TestClient(first, client=("203.0.113.7", 4000)) as one,
        TestClient(second, client=("203.0.113.8", 4000)) as two,
    ):
        yield one, two


def _refused(response: object, *codes: str) -> None:
    status = getattr(response, "status_code", 0)
    body = response.json()  # type: ignore[attr-defined]
    assert status == 403, body
    assert body["code"] in (codes or FORBIDDEN)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # a Chinese message


def _ask(client: TestClient, headers: dict[str, str], session: str, question: str) -> object:
    return client.post(
        "/v1/ask", json={"question": question, "session_id": session}, headers=headers
    )


def test_a_bridge_session_cannot_be_read_continued_or_ended_by_another_kiosk(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    started = one.post("/v1/kiosk/K-A/session", headers=A)
    assert started.status_code == 200, started.text
    session = started.json()["session_id"]
    # read, touch, end or replace it with B's credential: the path names A's kiosk
    _refused(two.get("/v1/kiosk/K-A/session", headers=B), "kiosk.forbidden")
    _refused(two.post("/v1/kiosk/K-A/session/touch", headers=B), "kiosk.forbidden")
    _refused(two.post("/v1/kiosk/K-A/session/end", json={}, headers=B), "kiosk.forbidden")
    _refused(two.post("/v1/kiosk/K-A/session", headers=B), "kiosk.forbidden")
    # continue it with B's credential, naming no kiosk or its own: the session is A's
    _refused(_ask(two, B, session, "身份证怎么补办"), "kiosk.session_forbidden")
    refused = two.post(
        "/v1/ask",
        json={"question": "身份证怎么补办", "session_id": session, "kiosk_id": "K-B"},
        headers=B,
    )
    _refused(refused, "kiosk.session_forbidden")
    # A continues its own session, on the other worker too
    first = _ask(one, A, session, "居住证怎么办理")
    assert first.status_code == 200, first.text  # type: ignore[attr-defined]
    follow = _ask(two, A, session, "要多久")
    assert follow.status_code == 200  # type: ignore[attr-defined]
    assert one.get("/v1/kiosk/K-A/session", headers=A).json()["session_id"] == session
    assert one.post("/v1/kiosk/K-A/session/end", json={}, headers=A).json() == {"ended": True}


def test_an_anonymous_caller_cannot_take_over_a_credentialed_session(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    session = one.post("/v1/kiosk/K-B/session", headers=B).json()["session_id"]
    # the bridge's citizen sessions live in the worker that runs the kiosk's device calls
    _refused(one.get("/v1/kiosk/K-B/session"), "kiosk.session_forbidden")
    _refused(one.post("/v1/kiosk/K-B/session/touch"), "kiosk.session_forbidden")
    _refused(one.post("/v1/kiosk/K-B/session/end", json={}), "kiosk.session_forbidden")
    _refused(one.post("/v1/kiosk/K-B/session"), "kiosk.session_forbidden")
    # the dialogue store is shared: no worker lets the anonymous caller continue it
    _refused(_ask(one, {}, session, "身份证怎么补办"), "kiosk.session_forbidden")
    _refused(_ask(two, {}, session, "身份证怎么补办"), "kiosk.session_forbidden")
    assert one.get("/v1/kiosk/K-B/session", headers=B).json()["live"] is True
    assert one.post("/v1/kiosk/K-B/session/end", json={}, headers=B).json() == {"ended": True}


def test_a_dialogue_session_is_bound_by_its_first_turn(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    session = f"own-{uuid.uuid4().hex[:12]}"
    assert _ask(one, A, session, "居住证怎么办理").status_code == 200  # type: ignore[attr-defined]
    _refused(_ask(two, B, session, "要多久"), "kiosk.session_forbidden")
    _refused(_ask(two, {}, session, "要多久"), "kiosk.session_forbidden")
    assert _ask(two, A, session, "要多久").status_code == 200  # type: ignore[attr-defined]
    # an anonymous session is not a credentialed kiosk's either
    anonymous = f"anon-{uuid.uuid4().hex[:12]}"
    assert _ask(one, {}, anonymous, "居住证怎么办理").status_code == 200  # type: ignore[attr-defined]
    _refused(_ask(two, A, anonymous, "要多久"), "kiosk.session_forbidden")


def test_the_voice_socket_refuses_another_kiosks_session(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    session = one.post("/v1/kiosk/K-A/session", headers=A).json()["session_id"]
    with two.websocket_connect("/v1/voice", headers=B) as ws:
        ws.send_json({"type": "start", "sample_rate_hz": 16000, "session_id": session})
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["code"] == "kiosk.session_forbidden"
        assert frame["message"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    one.post("/v1/kiosk/K-A/session/end", json={}, headers=A)


# -- the stores themselves ---------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> SessionStore:
    if request.param == "memory":
        return SessionStore(ttl_s=60, max_sessions=100)
    _redis_or_skip()
    return RedisSessionStore.from_url(REDIS_URL, ttl_s=60)


def test_claim_binds_checks_and_is_released_by_end(store: SessionStore) -> None:
    session = f"s-{uuid.uuid4().hex[:12]}"
    store.claim(session, "K-A")
    store.claim(session, "K-A")  # the owner again: fine
    for other in ("K-B", None, "anonymous"):
        with pytest.raises(SessionForbiddenError):
            store.claim(session, other)
    store.end(session)
    store.claim(session, "K-B")  # ended: the id is free again
    anonymous = f"s-{uuid.uuid4().hex[:12]}"
    store.claim(anonymous, None)
    with pytest.raises(SessionForbiddenError):
        store.claim(anonymous, "anonymous")  # a kiosk named "anonymous" is not anonymous
    store.end(session)
    store.end(anonymous)
