"""The HTTP path of ``POST /v1/ask`` around the pipeline (issue 12, throughput).

A turn answered on the event loop makes no thread-pool hop (the kiosk dependencies are
``async``; the usage counts are buffered and written by the back office's sweep), yet its
counts reach the statistics and a failed kiosk credential is still audited; the metrics
middleware resolves each path's route template once; a shared dialogue store reads the
session's state with the owner claim (one Redis round trip fewer per turn).
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import uuid
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from prometheus_fastapi_instrumentator import routing
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from assistant import metrics
from assistant.app import create_app
from assistant.composition.sessions import RedisSessionStore
from assistant.dialogue import DialogueState, SessionStore
from assistant.settings import Settings
from guardrails.tables import AuditRow
from kiosk_bridge.errors import SessionForbiddenError
from knowledge.models import Aspect

pytestmark = pytest.mark.integration

LOOPBACK = ("127.0.0.1", 50000)
REDIS_URL = os.environ.get("DAOBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
AUDITOR = "auditor-token-0123456789"
KIOSK = {"X-Kiosk-Token": "kiosk-h-token-0123456789"}


def _settings(
    settings_factory: Callable[..., Settings], anonymous: str = "loopback", **overrides: Any
) -> Settings:
    return settings_factory(
        knowledge={"semantic_channel": False},
        guardrails={"tokens": [{"name": "审计员", "role": "auditor", "token": AUDITOR}]},
        kiosk={"credentials": [{"kiosk_id": "K-H", "token": KIOSK["X-Kiosk-Token"]}],
               "anonymous": anonymous},
        **overrides,
    )


def _questions(client: TestClient) -> int:
    summary = client.get("/v1/stats/summary", headers={"Authorization": f"Bearer {AUDITOR}"})
    assert summary.status_code == 200, summary.text
    return int(summary.json()["questions"])


def _count_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the callables FastAPI / Starlette send to the thread pool from now on."""
    hops: list[str] = []
    original = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return hops


def test_an_ask_makes_no_thread_hop_and_is_counted(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(_settings(settings_factory)), client=LOOPBACK) as client:
        before = _questions(client)
        hops = _count_hops(monkeypatch)
        for question in ("身份证丢了怎么补办", "那要带什么材料", "你好"):
            response = client.post("/v1/ask", json={"question": question, "session_id": "h1"},
                                   headers=KIOSK)  # fmt: skip
            assert response.status_code == 200, response.text
        assert hops == []
        assert _questions(client) == before + 3  # the read writes the buffered counts first


def test_without_buffering_each_turn_is_written_after_the_reply(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(settings_factory, stats={"flush_interval_s": 0})
    with TestClient(create_app(settings), client=LOOPBACK) as client:
        before = _questions(client)
        hops = _count_hops(monkeypatch)
        assert client.post("/v1/ask", json={"question": "身份证丢了怎么补办"}).status_code == 200
        assert len(hops) == 1  # the background task writing the counts
        monkeypatch.undo()
        assert _questions(client) == before + 1


def test_a_failed_kiosk_credential_is_still_audited(
    settings_factory: Callable[..., Settings],
) -> None:
    """The audit write of a failed credential goes to a thread; it still lands, no token."""
    settings = _settings(settings_factory)
    with TestClient(create_app(settings), client=LOOPBACK) as client:
        wrong = {"X-Kiosk-Token": "not-a-kiosk-token-98765"}
        response = client.post("/v1/ask", json={"question": "你好"}, headers=wrong)
        assert response.status_code == 401
        assert response.json()["code"] == "kiosk.unauthenticated"
    engine = create_engine(settings.database_url)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(
                select(AuditRow).where(AuditRow.action == "kiosk.auth.failed")))
    finally:
        engine.dispose()
    assert [(row.target, row.detail) for row in rows] == [("route:POST /v1/ask", "unknown token")]
    assert all("not-a-kiosk-token" not in f"{row.target}{row.detail}" for row in rows)


def test_route_templates_are_resolved_once_per_path(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved: list[str] = []
    original = routing.get_route_name

    def counted(request: Any, should_include_root_path: bool) -> str | None:
        resolved.append(request.scope["path"])
        return original(request, should_include_root_path)

    monkeypatch.setattr(routing, "get_route_name", counted)
    settings = _settings(settings_factory, anonymous="allow")
    with TestClient(create_app(settings), client=LOOPBACK) as client:
        for _ in range(3):
            client.post("/v1/ask", json={"question": "你好"})
            client.get("/v1/kiosk/K-7/session")
            client.get("/no/such/page")
        text = client.get("/metrics").text
    assert sorted(resolved) == ["/metrics", "/no/such/page", "/v1/ask", "/v1/kiosk/K-7/session"]
    assert 'handler="/v1/kiosk/{kiosk_id}/session"' in text
    assert 'handler="/v1/ask"' in text and "K-7" not in text


def test_the_route_template_cache_is_bounded(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "ROUTE_NAMES_KEPT", 2)
    resolved: list[str] = []
    original = routing.get_route_name

    def counted(request: Any, should_include_root_path: bool) -> str | None:
        resolved.append(request.scope["path"])
        return original(request, should_include_root_path)

    monkeypatch.setattr(routing, "get_route_name", counted)
    settings = _settings(settings_factory, anonymous="allow")
    with TestClient(create_app(settings), client=LOOPBACK) as client:
        paths = [f"/v1/kiosk/K-{n}/session" for n in range(4)]
        for path in paths * 2:
            assert client.get(path).status_code == 200
    assert resolved.count(paths[0]) == 1 and resolved.count(paths[1]) == 1  # kept
    assert resolved.count(paths[2]) == 2 and resolved.count(paths[3]) == 2  # beyond the bound


# -- the dialogue store: the owner claim reads the state in the same round trip ------------


class _CountingClient:
    """A ``redis.Redis`` whose plain GETs are counted (the claim scripts are not GETs)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.gets = 0

    def get(self, key: str) -> Any:
        self.gets += 1
        return self._client.get(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _redis_store() -> tuple[RedisSessionStore, _CountingClient]:
    plain = RedisSessionStore.from_url(REDIS_URL, ttl_s=60)
    if not plain.ping():
        if os.environ.get("CI"):
            pytest.fail("Redis not reachable")
        pytest.skip("Redis not reachable")
    counting = _CountingClient(plain.client)
    return RedisSessionStore(counting, ttl_s=60), counting


def test_claim_turn_reads_the_state_for_the_turns_get() -> None:
    store, client = _redis_store()
    other_worker = RedisSessionStore.from_url(REDIS_URL, ttl_s=60)
    session = f"s-{uuid.uuid4().hex[:12]}"
    state = DialogueState(matter_code="HJ-0004", aspect=Aspect.MATERIALS)

    async def turn(kiosk_id: str | None) -> tuple[DialogueState, DialogueState]:
        store.claim_turn(session, kiosk_id)
        return store.get(session), store.get(session)

    try:
        other_worker.claim(session, "K-A")
        other_worker.put(session, state)
        first, second = asyncio.run(turn("K-A"))
        assert first == second == state
        assert client.gets == 1  # the first get was read with the claim, the second is not
        with pytest.raises(SessionForbiddenError):
            asyncio.run(turn("K-B"))
        assert client.gets == 1  # nothing read for a session another kiosk holds
        other_session = f"s-{uuid.uuid4().hex[:12]}"

        async def claim_one_read_another() -> DialogueState:
            store.claim_turn(session, "K-A")
            return store.get(other_session)

        assert asyncio.run(claim_one_read_another()) == DialogueState()
        assert client.gets == 2  # another session's state is read from Redis
    finally:
        other_worker.end(session)


def test_a_claims_read_stays_in_its_task() -> None:
    store, client = _redis_store()
    other_worker = RedisSessionStore.from_url(REDIS_URL, ttl_s=60)
    session = f"s-{uuid.uuid4().hex[:12]}"
    try:
        other_worker.put(session, DialogueState(matter_code="HJ-0004"))
        context = contextvars.copy_context()
        context.run(store.claim_turn, session, "K-A")  # one request's task
        other_worker.put(session, DialogueState(matter_code="SB-0001"))
        assert store.get(session) == DialogueState(matter_code="SB-0001")  # another task
        assert client.gets == 1
        assert context.run(store.get, session) == DialogueState(matter_code="HJ-0004")
    finally:
        other_worker.end(session)


def test_claim_turn_binds_like_claim_in_memory() -> None:
    store = SessionStore(ttl_s=60, max_sessions=10)
    store.claim_turn("s1", "K-A")
    store.put("s1", DialogueState(matter_code="HJ-0004"))
    store.claim_turn("s1", "K-A")
    assert store.get("s1") == DialogueState(matter_code="HJ-0004")
    with pytest.raises(SessionForbiddenError):
        store.claim_turn("s1", None)


def test_claim_turn_with_redis_down_lets_the_turn_go_on() -> None:
    store = RedisSessionStore.from_url("redis://127.0.0.1:1/0", ttl_s=60)
    store.claim_turn("s1", "K-A")
    assert store.get("s1") == DialogueState()
    assert store.failures == 2
