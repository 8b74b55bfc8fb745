"""Dialogue state in the real Redis (127.0.0.1:6379), shared by every worker."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from assistant.composition.sessions import RedisSessionStore
from assistant.dialogue import DialogueState
from knowledge.models import Aspect

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("DAOBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis_store() -> RedisSessionStore:
    store = RedisSessionStore.from_url(REDIS_URL, ttl_s=2)
    if not store.ping():
        if os.environ.get("CI"):
            pytest.fail("Redis not reachable")
        pytest.skip("Redis not reachable")
    return store


def test_a_state_written_by_one_worker_is_read_by_another(redis_store: RedisSessionStore) -> None:
    other_worker = RedisSessionStore.from_url(REDIS_URL, ttl_s=2)
    session = uuid.uuid4().hex
    redis_store.put(session, DialogueState(matter_code="HJ-0004", aspect=Aspect.MATERIALS))
    assert other_worker.get(session) == DialogueState(
        matter_code="HJ-0004", aspect=Aspect.MATERIALS
    )
    other_worker.end(session)
    assert redis_store.get(session) == DialogueState()


def test_a_state_expires_after_the_ttl(redis_store: RedisSessionStore) -> None:
    session = uuid.uuid4().hex
    redis_store.put(session, DialogueState(matter_code="HJ-0004"))
    time.sleep(2.5)
    assert redis_store.get(session) == DialogueState()


def test_redis_down_never_fails_a_turn() -> None:
    store = RedisSessionStore.from_url("redis://127.0.0.1:1/0", ttl_s=60)
    store.put("s1", DialogueState(matter_code="HJ-0004"))
    assert store.get("s1") == DialogueState()
    store.end("s1")
    assert store.failures == 3
