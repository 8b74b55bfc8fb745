"""Kiosk citizen sessions across workers (issue 12), on the real app.

Two apps sharing one Redis stand in for two workers (as in test_session_binding): a kiosk's
session start, status, touch and end may land on either; the pre-filled form stays in the
memory of the worker that read the card, the other says "read the card again" (409), and an
end on any worker drops the form everywhere within the bound. A leak test watches every Redis
command and key written during a card read, a pre-fill and an end for the synthetic card's
name, number, address and birth date. Without Redis the sessions stay in memory and say so.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.settings import Settings
from kiosk_bridge.errors import SessionEndedError, SessionStoreUnavailableError
from kiosk_bridge.idcard import IdCardData
from kiosk_bridge.sealing import Direction, Sealer
from kiosk_bridge.session import (
    EndReason,
    MemorySessionBackend,
    RedisSessionBackend,
    SessionBackend,
    SessionManager,
)
from kiosk_bridge.testdata import synthetic_id_number

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("DAOBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
SM4 = "0123456789abcdeffedcba9876543210"
MAC = bytes(range(1, 33)).hex()
A = {"X-Kiosk-Token": "kiosk-a-token-0123456789"}
B = {"X-Kiosk-Token": "kiosk-b-token-9876543210"}
CREDENTIALS = [
    {"kiosk_id": "K-A", "token": A["X-Kiosk-Token"]},
    {"kiosk_id": "K-B", "token": B["X-Kiosk-Token"]},
]


def _settings(url: str, redis_url: str | None) -> Settings:
    return Settings(
        database_url=url,
        redis_url=redis_url,
        kiosk={"credentials": CREDENTIALS, "anonymous": "allow",
               "sm4_key_hex": SM4, "mac_key_hex": MAC},
    )  # fmt: skip


def _redis() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except Exception:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail("Redis not reachable")
        pytest.skip("Redis not reachable")
    return client


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    """Two workers (two apps) over one database and one Redis."""
    _redis()
    url = f"sqlite:///{tmp_path_factory.mktemp('shared-kiosk')}/daoban.db"
    first = create_app(_settings(url, REDIS_URL))
    second = create_app(_settings(url, REDIS_URL))
    with TestClient(first) as one, TestClient(second) as two:
        yield one, two


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One worker without Redis (the embedded default)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('alone-kiosk')}/daoban.db"
    with TestClient(create_app(_settings(url, None))) as client:
        yield client


def _card() -> IdCardData:
    """A synthetic card unique to this run (no real person), so a leak cannot be a stray."""
    serial = random.randint(50, 499) * 2  # even: 女 (GB 11643)
    born = date(1961, 4, 12)
    return IdCardData(
        name=f"测试漏{'甲乙丙丁戊己庚辛'[serial % 8]}检", sex="女", ethnicity="汉",
        birth_date=born, address=f"北京市东城区泄漏测试胡同{serial}号",
        issuing_authority="北京市公安局东城分局",
        id_number=synthetic_id_number("110101", born, serial),
        valid_from=date(2015, 1, 1), valid_until=None,
    )  # fmt: skip


def _sealed(card: IdCardData) -> dict[str, Any]:
    sealer = Sealer(sm4_key=bytes.fromhex(SM4), mac_key=bytes.fromhex(MAC))
    return sealer.seal(card.model_dump_json().encode(), direction=Direction.CARD).model_dump()


def _prefill_code(client: TestClient) -> str:
    """A published matter whose form takes values from the card."""
    for matter in client.get("/v1/matters").json()["data"]:
        detail = client.get(f"/v1/matters/{matter['code']}").json()
        sources = {f.get("id_card_source") for f in detail.get("form_fields", [])}
        if {"name", "id_number"} <= sources:
            return str(matter["code"])
    pytest.skip("no sample matter pre-fills the name and number")


def _chinese(body: dict[str, Any]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in body.get("message", ""))


def _start(client: TestClient, kiosk: str = "K-A", headers: dict[str, str] = A) -> str:
    started = client.post(f"/v1/kiosk/{kiosk}/session", headers=headers)
    assert started.status_code == 200, started.text
    return str(started.json()["session_id"])


# -- the session itself, on either worker ------------------------------------------------------


def test_start_status_touch_and_end_land_on_any_worker(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    session = _start(one)
    status = two.get("/v1/kiosk/K-A/session", headers=A).json()
    assert status["live"] and status["session_id"] == session and status["shared"] is True
    assert status["idle_deadline"].endswith("Z") or "+00:00" in status["idle_deadline"]
    assert two.post("/v1/kiosk/K-A/session/touch", headers=A).json() == {"ended": False}
    # another terminal cannot see or end it on the other worker either
    assert two.get("/v1/kiosk/K-A/session", headers=B).status_code == 403
    anonymous = two.get("/v1/kiosk/K-A/session")
    assert anonymous.status_code == 403
    assert anonymous.json()["code"] == "kiosk.session_forbidden"
    # ended on the second worker: ended on the first at once
    assert two.post("/v1/kiosk/K-A/session/end", json={}, headers=A).json() == {"ended": True}
    assert one.get("/v1/kiosk/K-A/session", headers=A).json()["live"] is False
    assert one.post("/v1/kiosk/K-A/session/touch", headers=A).json() == {"ended": True}
    assert one.post("/v1/kiosk/K-A/session/end", json={}, headers=A).json() == {"ended": False}


def test_a_new_citizen_on_one_worker_replaces_the_session_on_the_other(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    first = _start(one)
    second = _start(two)
    assert first != second
    assert one.get("/v1/kiosk/K-A/session", headers=A).json()["session_id"] == second
    two.post("/v1/kiosk/K-A/session/end", json={}, headers=A)


# -- the card and its form -------------------------------------------------------------------


def test_the_form_stays_with_the_worker_that_read_the_card(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    code = _prefill_code(one)
    card = _card()
    _start(one)
    read = one.post("/v1/kiosk/K-A/session/card", headers=A,
                    json={"matter_code": code, "card": _sealed(card)})
    assert read.status_code == 200, read.text
    assert len(read.json()["filled"]) >= 2  # the name and the number at least
    assert card.name not in read.text and card.id_number not in read.text
    # the other worker knows a card was read, and nothing of it
    status = two.get("/v1/kiosk/K-A/session", headers=A)
    assert status.json()["card_read"] is True and status.json()["form_here"] is False
    assert card.name not in status.text and card.id_number not in status.text
    elsewhere = two.get("/v1/kiosk/K-A/session/form", headers=A)
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["code"] == "kiosk.card_elsewhere"
    assert "请重新刷卡" in elsewhere.json()["message"]
    # the worker that read it sends it again, sealed
    again = one.get("/v1/kiosk/K-A/session/form", headers=A)
    assert again.status_code == 200 and again.json()["filled"] == read.json()["filled"]
    assert one.get("/v1/kiosk/K-A/session", headers=A).json()["form_here"] is True
    # reading the card again on the second worker moves the form there
    moved = two.post("/v1/kiosk/K-A/session/card", headers=A,
                     json={"matter_code": code, "card": _sealed(card)})
    assert moved.status_code == 200, moved.text
    assert two.get("/v1/kiosk/K-A/session/form", headers=A).status_code == 200
    assert one.get("/v1/kiosk/K-A/session/form", headers=A).json()["code"] == \
        "kiosk.card_elsewhere"
    assert not one.app_state["kiosk"].sessions.holds_form("K-A")
    two.post("/v1/kiosk/K-A/session/end", json={}, headers=A)


def test_an_end_on_any_worker_drops_the_held_form_within_the_bound(
    workers: tuple[TestClient, TestClient],
) -> None:
    one, two = workers
    code = _prefill_code(one)
    _start(one, "K-B", B)
    read = one.post("/v1/kiosk/K-B/session/card", headers=B,
                    json={"matter_code": code, "card": _sealed(_card())})
    assert read.status_code == 200, read.text
    holder = one.app_state["kiosk"].sessions
    assert holder.holds_form("K-B")
    ended_at = time.monotonic()
    assert two.post("/v1/kiosk/K-B/session/end", json={"reason": "card_removed"},
                    headers=B).json() == {"ended": True}  # fmt: skip
    while holder.holds_form("K-B") and time.monotonic() - ended_at < 5.0:
        time.sleep(0.05)  # no request reaches the first worker: its sweeper drops the form
    assert not holder.holds_form("K-B"), "the form outlived its session by more than 5 s"
    print(f"form dropped {time.monotonic() - ended_at:.3f} s after the end on the other worker")
    gone = one.get("/v1/kiosk/K-B/session/form", headers=B)
    assert gone.status_code == 409 and gone.json()["code"] == "kiosk.session_ended"
    assert _chinese(gone.json())


def test_no_card_and_no_session_are_plain_409s(workers: tuple[TestClient, TestClient]) -> None:
    one, two = workers
    _start(one)
    none = two.get("/v1/kiosk/K-A/session/form", headers=A)
    assert none.status_code == 409 and none.json()["code"] == "kiosk.card_not_read"
    assert _chinese(none.json())
    two.post("/v1/kiosk/K-A/session/end", json={}, headers=A)
    late = one.post("/v1/kiosk/K-A/session/card", headers=A,
                    json={"matter_code": _prefill_code(one), "card": _sealed(_card())})
    assert late.status_code == 409 and late.json()["code"] == "kiosk.session_ended"


def test_without_redis_the_session_is_in_memory_and_says_so(alone: TestClient) -> None:
    health = alone.get("/health").json()["components"]["kiosk.sessions"]
    assert health["available"] is True and "memory" in health["detail"]
    session = _start(alone)
    status = alone.get("/v1/kiosk/K-A/session", headers=A).json()
    assert status["session_id"] == session and status["shared"] is False
    read = alone.post("/v1/kiosk/K-A/session/card", headers=A,
                      json={"matter_code": _prefill_code(alone), "card": _sealed(_card())})
    assert read.status_code == 200, read.text
    assert alone.get("/v1/kiosk/K-A/session/form", headers=A).status_code == 200
    assert alone.post("/v1/kiosk/K-A/session/end", json={}, headers=A).json()["ended"]
    assert not alone.app_state["kiosk"].sessions.holds_form("K-A")


def test_health_says_the_sessions_are_shared(workers: tuple[TestClient, TestClient]) -> None:
    health = workers[0].get("/health").json()["components"]["kiosk.sessions"]
    assert health["available"] is True and "redis" in health["detail"]


# -- nothing personal reaches Redis or a log -------------------------------------------------


def _forms(value: str) -> list[bytes]:
    """The ways ``value`` could be written: UTF-8, JSON-escaped, as MONITOR prints bytes."""
    raw = value.encode("utf-8")
    return [raw, json.dumps(value).strip('"').encode("ascii"),
            "".join(f"\\x{b:02x}" for b in raw).encode("ascii")]


def _dump_db(client: Any) -> list[bytes]:
    """Every key and value of the test database, whatever its type."""
    out: list[bytes] = []
    for key in client.scan_iter(count=1000):
        out.append(key)
        kind = client.type(key)
        if kind == b"string":
            out.append(client.get(key) or b"")
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                out += [field, value]
        elif kind == b"list":
            out += client.lrange(key, 0, -1)
        elif kind == b"set":
            out += list(client.smembers(key))
        elif kind == b"zset":
            out += client.zrange(key, 0, -1)
        elif kind == b"stream":
            for _id, fields in client.xrange(key):
                for field, value in fields.items():
                    out += [field, value]
    return out


class _Monitor:
    """Every command Redis receives meanwhile (``MONITOR``), on a thread."""

    def __init__(self, client: Any) -> None:
        self.commands: list[bytes] = []
        self._client = client
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Monitor:
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def _run(self) -> None:
        with self._client.monitor() as monitor:
            self._ready.set()
            for entry in monitor.listen():
                self.commands.append(str(entry.get("command", "")).encode("utf-8"))
                if self._stop.is_set():
                    return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._client.ping()  # wakes the listener
        self._thread.join(5)


def test_no_card_value_reaches_redis_or_a_log(
    workers: tuple[TestClient, TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    one, two = workers
    redis_client = _redis()
    card = _card()
    secrets = [card.name, card.id_number, card.address, card.birth_date.isoformat(),
               card.birth_date.strftime("%Y年%m月%d日")]
    code = _prefill_code(one)
    caplog.set_level(logging.DEBUG)
    snapshots: list[bytes] = []
    with _Monitor(redis_client) as watched:
        _start(one)
        read = one.post("/v1/kiosk/K-A/session/card", headers=A,
                        json={"matter_code": code, "card": _sealed(card)})
        assert read.status_code == 200, read.text
        assert one.get("/v1/kiosk/K-A/session/form", headers=A).status_code == 200
        assert two.get("/v1/kiosk/K-A/session/form", headers=A).status_code == 409
        stateless = two.post("/v1/prefill", headers=A,
                             json={"matter_code": code, "card": _sealed(card)})
        assert stateless.status_code == 200, stateless.text
        two.get("/v1/kiosk/K-A/session", headers=A)
        snapshots += _dump_db(redis_client)  # while the form is held
        assert two.post("/v1/kiosk/K-A/session/end", json={}, headers=A).json()["ended"]
        time.sleep(1.5)  # the first worker's sweeper reads the ended record
        snapshots += _dump_db(redis_client)
    assert any(b"daoban:kiosk-session:K-A" in c for c in watched.commands)  # it did watch
    assert any(b"daoban:kiosk-session:K-A" in key for key in snapshots)
    logs = [r.getMessage() + " " + json.dumps(r.__dict__, default=str, ensure_ascii=False)
            for r in caplog.records]
    assert any("kiosk session ended" in line for line in logs)  # it did capture
    for secret in secrets:
        for form in _forms(secret):
            assert not any(form in c for c in watched.commands), "a Redis command held card data"
            assert not any(form in v for v in snapshots), "a Redis key or value held card data"
        assert not any(secret in line for line in logs), "a log record held card data"


# -- the stores themselves, memory and Redis -------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> SessionBackend:
    if request.param == "memory":
        return MemorySessionBackend()
    _redis()
    return RedisSessionBackend.from_url(REDIS_URL, ttl_s=60)


def test_an_idle_session_ends_once_and_is_never_revived(backend: SessionBackend) -> None:
    now = [1_000_000.0]
    kiosk = f"k-{uuid.uuid4().hex[:10]}"
    ended: list[tuple[str, EndReason]] = []
    one = SessionManager(idle_timeout_s=60, clock=lambda: now[0], backend=backend)
    two = SessionManager(idle_timeout_s=60, clock=lambda: now[0], backend=backend)
    for manager in (one, two):
        manager.on_end(lambda sid, reason: ended.append((sid, reason)))
    session = one.start(kiosk, owner="K-A")
    now[0] += 50
    assert two.current(kiosk).session_id == session.session_id  # touched on the other worker
    now[0] += 50
    assert one.peek(kiosk) is not None  # 50 s since the touch: still live for the first
    now[0] += 11
    assert one.sweep() == 1 and two.sweep() == 0  # ended once, by one worker
    assert ended == [(session.session_id, EndReason.IDLE_TIMEOUT)]
    assert not two.touch(kiosk) and two.peek(kiosk) is None  # no resurrection
    with pytest.raises(SessionEndedError):
        one.current(kiosk)


def test_an_end_is_announced_to_the_other_workers() -> None:
    _redis()
    listener = RedisSessionBackend.from_url(REDIS_URL, ttl_s=60)
    ender = SessionManager(backend=RedisSessionBackend.from_url(REDIS_URL, ttl_s=60))
    kiosk = f"k-{uuid.uuid4().hex[:10]}"
    ender.start(kiosk)
    listener.wait_for_end(0.05)  # subscribes
    ender.end(kiosk, EndReason.CARD_REMOVED)
    began = time.monotonic()
    assert listener.wait_for_end(2.0) is True and time.monotonic() - began < 1.0
    listener.close()
    ender.close()


def test_a_session_store_that_does_not_answer_is_a_503_not_a_500() -> None:
    sessions = SessionManager(backend=RedisSessionBackend.from_url("redis://127.0.0.1:1/0",
                                                                   ttl_s=60))
    with pytest.raises(SessionStoreUnavailableError) as raised:
        sessions.start("K-A")
    assert raised.value.status == 503 and raised.value.code == "kiosk.session_unavailable"
    assert sessions.sweep() == 0 and sessions.status()[0] is False
