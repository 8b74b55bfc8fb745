"""The service's long-lived runtime is kept out of the collector's way while it serves."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app

pytestmark = pytest.mark.integration


def test_the_runtime_is_frozen_while_serving_and_released_when_the_app_stops(settings_factory):
    with TestClient(create_app(settings_factory())) as client:
        assert gc.isenabled()  # the turn's own garbage is still collected
        assert gc.get_freeze_count() > 100_000  # the start-up state is not rescanned
        asked = client.post("/v1/ask", json={"question": "居住证怎么办"})
        assert asked.status_code == 200 and asked.json()["sources"]
    assert gc.get_freeze_count() == 0  # back under the collector once the app stops
