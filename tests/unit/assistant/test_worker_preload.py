"""The pre-fork supervisor loads what every worker would load on its first turns, once."""

from __future__ import annotations

import gc
import sys

import pytest
from fastapi import FastAPI
from starlette.requests import Request

from assistant.composition import workers
from assistant.composition.workers import NodeServer, warm_shared_libraries
from speech import spoken_text


def test_load_builds_the_app_once_with_the_libraries_warm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[FastAPI] = []
    warmed: list[FastAPI] = []

    def factory() -> FastAPI:
        built.append(FastAPI())
        return built[-1]

    monkeypatch.setattr(workers, "warm_shared_libraries", warmed.append)
    server = NodeServer(factory, {"bind": "127.0.0.1:0", "workers": 2})
    was_enabled = gc.isenabled()
    app = server.load()
    assert built == [app] and warmed == [app]
    assert gc.isenabled() == was_enabled  # the collector is back as it was


def test_the_warm_up_loads_jieba_tags_wetext_and_the_route_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {}

    resolved: list[str] = []
    from prometheus_fastapi_instrumentator import routing

    original = routing.get_route_name

    def counted(request: Request, should_include_root_path: bool) -> str | None:
        name = original(request, should_include_root_path)
        resolved.append(str(name))
        return name

    monkeypatch.setattr(routing, "get_route_name", counted)
    warm_shared_libraries(app)
    assert "jieba.posseg" in sys.modules
    assert resolved == ["/health"]
    installed = spoken_text._wetext_installed()
    assert spoken_text.load_normalizer() is installed
    assert spoken_text._wetext.cache_info().currsize == 1  # loaded once, kept for the turns
