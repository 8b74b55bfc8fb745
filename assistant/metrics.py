"""Prometheus metrics (``GET /metrics``): request counts and latency per route, plus daoban's.

The HTTP metrics come from ``prometheus-fastapi-instrumentator`` (per route template, never
per raw path). daoban adds counts only — never text: turns by intent and reason code,
refusals, abstentions (answers without a source), rejections by the protection layer, and
gauges for the index (published matters, age of the last rebuild) and each component of
``/health`` (1 live, 0 not). With several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder before ``daoban serve``: counters are summed over workers; gauges keep the
value of the most recent scrape (``mostrecent``), since a worker that has not been scraped
for a while would otherwise report a stale index or component state.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_fastapi_instrumentator import Instrumentator, routing
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp

from assistant.models import TurnResult

ROUTE_NAMES_KEPT = 4096
"""Request paths whose route template the HTTP instrumentation remembers (per app)."""

TURNS = Counter("daoban_turns", "Dialogue turns by intent and reason code",
                ["intent", "reason", "channel"])
REFUSALS = Counter("daoban_refusals", "Turns refused by the guardrails, by reason code",
                   ["reason"])
ABSTENTIONS = Counter("daoban_abstentions", "Answers given without any source matter")
REJECTIONS = Counter("daoban_protection_rejections",
                     "Requests refused by the protection layer (413/429), by code", ["code"])
INDEX_SIZE = Gauge("daoban_index_matters", "Published matters in the retrieval index",
                   multiprocess_mode="mostrecent")
INDEX_AGE = Gauge("daoban_index_age_seconds",
                  "Seconds since the index was last rebuilt (start-up or a publish)",
                  multiprocess_mode="mostrecent")
COMPONENT = Gauge("daoban_component_up", "1 when a /health component is live, else 0",
                  ["component"], multiprocess_mode="mostrecent")


class RouteNameCachingMiddleware(PrometheusInstrumentatorMiddleware):
    """The instrumentator's middleware, remembering the route template of each request path.

    The library resolves the template (``/v1/kiosk/{kiosk_id}/session``) by matching the
    request against every route of the app, on every request (~0.1 ms CPU with daoban's
    routes); the routes are fixed once the app is built, so the answer for a (method, root
    path, path) is the same each time and is kept, for up to :data:`ROUTE_NAMES_KEPT` paths
    (beyond that, e.g. paths made up by a scanner, it is resolved each time, as before).
    Labels, metrics and exclusions are the library's.
    """

    def __init__(self, app: ASGIApp, **kwargs: object) -> None:
        """Take the library middleware's arguments (see ``Instrumentator.instrument``)."""
        super().__init__(app, **kwargs)  # type: ignore[arg-type]
        self._handlers: dict[tuple[str, str, str], tuple[str, bool]] = {}

    def _get_handler(self, request: Request) -> tuple[str, bool]:
        scope = request.scope
        key = (str(scope.get("method", "")), str(scope.get("root_path", "")), str(scope["path"]))
        found = self._handlers.get(key)
        if found is None:
            found = super()._get_handler(request)
            if len(self._handlers) < ROUTE_NAMES_KEPT:
                self._handlers[key] = found
        return found


def warm_route_names(app: FastAPI) -> None:
    """Resolve one route template as the metrics middleware does (``GET /health``).

    The first resolution builds the app's route contexts (~60 ms); a pre-fork supervisor
    does it once for all its workers (:func:`assistant.composition.workers.warm_shared_libraries`).
    """
    scope = {"type": "http", "method": "GET", "path": "/health", "root_path": "",
             "headers": [], "query_string": b"", "app": app}  # fmt: skip
    routing.get_route_name(Request(scope), should_include_root_path=False)


def count_turn(result: TurnResult, channel: str) -> None:
    """Count one answered turn (labels are enums and codes only)."""
    reason = result.reason_code or "none"
    TURNS.labels(intent=str(result.intent), reason=reason, channel=channel).inc()
    if result.refused:
        REFUSALS.labels(reason=reason).inc()
    elif not result.sources and str(result.intent) == "ask_matter":
        ABSTENTIONS.inc()


def count_rejection(code: str) -> None:
    """Count one 413/429 of the protection middleware."""
    REJECTIONS.labels(code=code).inc()


def install(app: FastAPI, snapshot: Callable[[], tuple[int, float, dict[str, bool]]]) -> None:
    """Instrument ``app`` and expose ``/metrics`` (not in the OpenAPI schema).

    Args:
        app: The FastAPI app.
        snapshot: Returns (published matters, index build time as Unix seconds, component
            name → live) at scrape time; raises nothing.
    """
    # Each app has its own registry for the HTTP metrics (several apps in one process, as in
    # tests, would otherwise share the first app's); daoban's counters are process-wide.
    http_registry = CollectorRegistry()
    Instrumentator(excluded_handlers=["/metrics"], should_group_status_codes=False,
                   registry=http_registry).instrument(app)
    # the library adds its middleware class; the same one with route templates remembered
    swapped = 0
    for middleware in app.user_middleware:
        factory: object = middleware.cls
        if factory is PrometheusInstrumentatorMiddleware:
            middleware.cls = RouteNameCachingMiddleware  # type: ignore[assignment]
            swapped += 1
    if swapped != 1:
        raise RuntimeError("prometheus-fastapi-instrumentator did not add its middleware")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        size, built_at, components = snapshot()
        INDEX_SIZE.set(size)
        INDEX_AGE.set(max(0.0, time.time() - built_at) if built_at else 0.0)
        for name, live in components.items():
            COMPONENT.labels(component=name).set(1 if live else 0)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # every worker's values, from files
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            body = generate_latest(registry)
        else:
            body = generate_latest(http_registry) + generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
