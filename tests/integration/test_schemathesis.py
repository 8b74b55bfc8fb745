"""Schemathesis over the OpenAPI spec (issue 12): no input makes the service answer 5xx.

Every operation gets a bounded number of generated requests (``DAOBAN_SCHEMATHESIS_EXAMPLES``,
default 8) against the real app on SQLite, lifespan run, with a reviewer token so the
authenticated routes are reached too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from assistant.app import create_app
from assistant.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOKEN = "schemathesis-reviewer-token-01"
EXAMPLES = int(os.environ.get("DAOBAN_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("st")
    app = create_app(Settings(
        database_url=f"sqlite:///{folder}/daoban.db",
        guardrails={"tokens": [{"name": "评审", "role": "reviewer", "token": TOKEN}]},
        kiosk={"anonymous": "allow", "sm4_key_hex": "0123456789abcdeffedcba9876543210",
               "mac_key_hex": bytes(range(1, 33)).hex()},
        protection={"enabled": False},
    ))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_no_server_errors(live_app: TestClient) -> None:
    schema = schemathesis.openapi.from_dict(live_app.get("/openapi.json").json())
    auth = {"Authorization": f"Bearer {TOKEN}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails here
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:
            body = case.body if case.media_type == "application/json" else None
            response = live_app.request(case.method, case.formatted_path, params=case.query,
                                        headers={**(case.headers or {}), **auth}, json=body)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")

        run()
    assert operations > 40
    assert not failures, sorted(set(failures))
