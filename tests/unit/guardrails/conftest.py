"""Fixtures of the guardrails unit tests: one warmed guard per session (in-memory store)."""

from __future__ import annotations

import pytest

from guardrails.folding import Folder
from guardrails.policy import Guardrails, build_guardrails
from guardrails.settings import GuardrailSettings
from guardrails.tables import memory_sessionmaker


@pytest.fixture(scope="session")
def guard() -> Guardrails:
    built = build_guardrails(GuardrailSettings(), memory_sessionmaker())
    built.warm_up()
    return built


@pytest.fixture(scope="session")
def folder() -> Folder:
    return Folder()
