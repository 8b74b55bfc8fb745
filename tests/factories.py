"""Test factories: matters and sample knowledge; reviewer tokens and settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from assistant.settings import Settings
from guardrails.policy import Guardrails
from knowledge.importers import BUNDLED_SAMPLES_DIR, read_matter_dir
from knowledge.models import Matter, MatterContent


def make_content(code: str = "TS-0001", **overrides: Any) -> MatterContent:
    """A complete, valid matter content; override any field."""
    data: dict[str, Any] = {
        "code": code,
        "name": "测试事项办理",
        "aliases": ["测试事项"],
        "colloquial_names": ["办测试"],
        "type": "公共服务",
        "department": "测试局",
        "service_objects": ["自然人"],
        "conditions": ["本市居民"],
        "materials": [{"name": "居民身份证", "form": "original"}],
        "process": [{"name": "受理"}, {"name": "办结"}],
        "time_limit": {"legal_working_days": 20, "promised_working_days": 5},
        "fees": [],
        "result": {"name": "测试证明", "delivery": "窗口领取"},
        "channels": ["window"],
        "consultation_phone": "12345",
        "complaint_phone": "12345",
        "kiosk_route": f"kiosk://matters/{code.lower()}",
    }
    data.update(overrides)
    return MatterContent.model_validate(data)


@cache
def sample_contents() -> tuple[MatterContent, ...]:
    """The bundled sample matters (read once per test session)."""
    return tuple(read_matter_dir(BUNDLED_SAMPLES_DIR))


def published(content: MatterContent, version: int = 1) -> Matter:
    """``content`` as a published matter."""
    return Matter.model_validate(
        {**content.model_dump(), "status": "published", "version": version}
    )


def sample_matters() -> list[Matter]:
    """The bundled sample matters, published."""
    return [published(c) for c in sample_contents()]


TOKENS = {
    "alice": "alice-reviewer-token-0001",
    "bob": "bob-reviewer-token-000002",
    "audra": "audra-auditor-token-0003",
}
"""Reviewer API tokens of the test principals: alice and bob review, audra audits."""


def review_grants() -> list[dict[str, str]]:
    """The ``guardrails.tokens`` grants for :data:`TOKENS` (as settings or env JSON take them)."""
    roles = {"alice": "reviewer", "bob": "reviewer", "audra": "auditor"}
    return [{"token": token, "role": roles[name], "name": name} for name, token in TOKENS.items()]


def reviewer_settings(database_url: str, **guardrails: Any) -> Settings:
    """Settings on ``database_url`` whose reviewer API knows :data:`TOKENS`."""
    return Settings(database_url=database_url, guardrails={"tokens": review_grants(), **guardrails})


def app_guard(app: FastAPI) -> Callable[[TestClient], Guardrails]:
    """Add a test-only route to ``app``; call the result with a started client to get its guard."""
    captured: dict[str, Guardrails] = {}

    @app.get("/_test/guard", include_in_schema=False)
    def _read(request: Request) -> dict[str, str]:
        captured["guard"] = request.state.runtime.guardrails
        return {}

    def read(client: TestClient) -> Guardrails:
        assert client.get("/_test/guard").status_code == 200
        return captured["guard"]

    return read
