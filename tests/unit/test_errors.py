"""Every package's base error derives from the one DaobanError the app renders."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.errors import AssistantError, register_error_handlers
from daoban.errors import DaobanError
from guardrails.errors import GuardrailsError
from kiosk_bridge.errors import KioskError
from knowledge.errors import KnowledgeError, MatterNotFoundError
from speech.errors import SpeechError


@pytest.mark.parametrize(
    "base", [AssistantError, KnowledgeError, GuardrailsError, SpeechError, KioskError]
)
def test_each_package_base_is_a_daoban_error(base: type[DaobanError]) -> None:
    assert issubclass(base, DaobanError)
    assert base().message_zh and str(base()) == base.message_zh
    assert base("换个说法").message_zh == "换个说法"


def test_the_app_renders_any_daoban_error_with_its_status_and_code() -> None:
    app = FastAPI()
    register_error_handlers(app)

    @app.get("/missing")
    def missing() -> None:
        raise MatterNotFoundError()

    response = TestClient(app).get("/missing")
    assert response.status_code == 404
    assert response.json() == {
        "code": "knowledge.matter_not_found",
        "message": MatterNotFoundError.message_zh,
    }
