"""Protection on the real app (§9.2.2 b): rate limits, failed logins, sizes, headers, breaker."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.app import create_app
from assistant.generate.chat import ChatComposer
from assistant.protection.ratelimit import Caller, RateGate
from assistant.protection.settings import ProtectionSettings
from knowledge.models import Aspect

pytestmark = pytest.mark.integration

LOOPBACK = ("127.0.0.1", 50000)


def _client(settings_factory, **protection):
    settings = settings_factory(protection=ProtectionSettings(**protection))
    return TestClient(create_app(settings), client=LOOPBACK)


def test_rate_limited_per_address_with_chinese_429(settings_factory):
    with _client(settings_factory, address_rate="3/minute") as client:
        codes = [client.get("/v1/matters").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/v1/matters")
        assert response.json() == {"code": "rate.limited", "message": "请求过于频繁，请稍后再试"}
        assert int(response.headers["retry-after"]) >= 1
        assert response.headers["x-content-type-options"] == "nosniff"
        # probes are never limited
        assert client.get("/health").status_code == 200


def test_each_kiosk_and_token_has_its_own_budget(settings_factory):
    with _client(settings_factory, kiosk_rate="2/minute", address_rate="100/minute") as client:
        a = {"X-Kiosk-Token": "kiosk-a-secret-0001"}
        b = {"X-Kiosk-Token": "kiosk-b-secret-0002"}
        assert [client.get("/v1/matters", headers=a).status_code for _ in range(3)] == [
            200, 200, 429]
        assert client.get("/v1/matters", headers=b).status_code == 200
        assert client.get("/v1/matters").status_code == 200


def test_failed_token_attempts_are_throttled(settings_factory):
    with _client(settings_factory, failed_auth_rate="5/minute") as client:
        codes = [
            client.get("/v1/review/items",
                       headers={"Authorization": f"Bearer wrong-{i}"}).status_code
            for i in range(8)
        ]
        assert codes[:5] == [401] * 5
        assert set(codes[5:]) == {429}
        body = client.get("/v1/review/items", headers={"Authorization": "Bearer x"}).json()
        assert body["code"] == "auth.throttled"
        # anonymous reads still work: the lock-out is on credentialed calls
        assert client.get("/v1/matters").status_code == 200


def test_bodies_over_the_limit_get_413_with_a_code(settings_factory):
    with _client(settings_factory, max_json_bytes=2048) as client:
        big = {"question": "身份证" * 2000}
        response = client.post("/v1/ask", json=big)
        assert response.status_code == 413
        assert response.json()["code"] == "request.too_large"

        def chunks():
            for _ in range(10):
                yield b'{"question": "' + b"a" * 500

        streamed = client.post("/v1/ask", content=chunks(),
                               headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert streamed.json()["code"] == "request.too_large"
        assert client.post("/v1/ask", json={"question": "身份证怎么补办"}).status_code == 200


def test_security_headers_on_pages_api_and_docs(settings_factory):
    with _client(settings_factory) as client:
        for path in ("/health", "/v1/matters", "/docs", "/review", "/nowhere"):
            headers = client.get(path).headers
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] == "no-referrer", path
            assert headers["x-frame-options"] == "DENY", path
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert "strict-transport-security" not in headers, path
        assert "script-src 'self'" in client.get("/review").headers["content-security-policy"]


def test_hsts_when_tls_is_configured(settings_factory, tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    with _client(settings_factory, tls_certfile=cert, tls_keyfile=key) as client:
        assert "max-age=" in client.get("/health").headers["strict-transport-security"]
        status = client.get("/health").json()["components"]["protection"]
        assert "TLS on" in status["detail"]


def test_gate_over_redis_is_shared_between_gates():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except Exception:
        pytest.skip("Redis not reachable")
    settings = ProtectionSettings(kiosk_rate="3/minute")
    first, second = (RateGate(settings, "redis://127.0.0.1:6379/0") for _ in range(2))
    key = f"shared-{id(first)}"
    verdicts = [g.hit(Caller.KIOSK, key).allowed for g in (first, second, first, second)]
    assert verdicts == [True, True, True, False]


def test_gate_fails_open_when_redis_is_down():
    gate = RateGate(ProtectionSettings(kiosk_rate="1/minute"), "redis://127.0.0.1:1/0")
    assert gate.hit(Caller.KIOSK, "k").allowed
    assert gate.hit(Caller.KIOSK, "k").allowed
    assert gate.status() == {"backend": "redis", "degraded": True}


class _Hanging(GenericFakeChatModel):
    async def _agenerate(self, *args, **kwargs):
        await asyncio.sleep(10)
        raise AssertionError("not reached")


def test_chat_breaker_opens_after_timeouts_and_answers_at_once(runtime):
    import pybreaker

    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    composer = ChatComposer(_Hanging(messages=iter([AIMessage(content="x")])), timeout_ms=200,
                            breaker=breaker)
    matter = runtime.store.get("HJ-0004")
    assert composer.health()[0] is True

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        draft = await composer.compose("要带什么", matter, Aspect.MATERIALS)
        assert draft.composer == "extractive"
        return loop.time() - start

    first = asyncio.run(timed())
    second = asyncio.run(timed())
    third = asyncio.run(timed())
    assert first >= 0.19 and second >= 0.19
    assert third < 0.05  # open: no wait on the model
    available, detail = composer.health()
    assert available is False and "open" in detail


def test_metrics_count_routes_and_turns_without_text(settings_factory):
    with _client(settings_factory) as client:
        asked = client.post("/v1/ask", json={"question": "我身份证110101199003077777丢了怎么补"})
        assert asked.status_code == 200
        assert len(asked.headers["x-request-id"]) >= 16
        text = client.get("/metrics").text
        assert 'handler="/v1/ask"' in text
        assert "daoban_turns_total{" in text
        assert "daoban_index_matters" in text and "daoban_component_up" in text
        assert "110101199003077777" not in text and "身份证" not in text
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]
        # the gauges show the same components as /health (one assembly, not two)
        for name in client.get("/health").json()["components"]:
            assert f'daoban_component_up{{component="{name}"}}' in text
        age = next(line for line in text.splitlines()
                   if line.startswith("daoban_index_age_seconds "))
        assert 0.0 <= float(age.split()[1]) < 600.0


def test_ids_and_offsets_beyond_the_integer_range_are_422_not_500(settings_factory):
    token = "auditor-token-0123456789"
    settings = settings_factory(
        guardrails={"tokens": [{"name": "审计员", "role": "auditor", "token": token}]})
    paths = ["/v1/review/items/2147483648", "/v1/review/items/9223372036854775808",
             "/v1/review/items/0", "/v1/review/proposals/99999999999999999999",
             "/v1/review/items?offset=9223372036854775808",
             "/v1/review/training-examples?offset=2147483648"]
    with TestClient(create_app(settings)) as client:
        for path in paths:
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 422, (path, response.text)
            assert response.json()["code"] == "request.invalid"
        assert client.get("/v1/review/items/2147483647",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 404
