"""The FastAPI application: ``create_app(settings)`` is the one composition root for HTTP.

The lifespan builds the :class:`~assistant.runtime.Runtime` (database, knowledge, retrieval,
guardrails, pipeline, and each package's services) and yields it as request state; every
package's ``api.router`` is included here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypedDict

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from assistant import api as assistant_api
from assistant import kiosk_page, metrics, preview, script_api
from assistant.backoffice import Backoffice, build_backoffice, counted_voice_turn
from assistant.backoffice import stop as stop_backoffice
from assistant.composition.node import process_started_at
from assistant.composition.wiring import start_following, stop_following
from assistant.errors import register_error_handlers
from assistant.health import service_health
from assistant.logs import configure_logging
from assistant.protection.middleware import ProtectionMiddleware
from assistant.protection.ratelimit import RateGate
from assistant.runtime import Runtime, build_runtime
from assistant.settings import Settings, load_settings
from assistant.stats import api as stats_api
from assistant.stats import web as stats_web
from assistant.voice import build_voice, form_fields, voice_turn_handler
from daoban import pages
from daoban.long_lived import long_lived, release_at_exit
from guardrails import api as guardrails_api
from guardrails import table_cache
from guardrails import web as guardrails_web
from kiosk_bridge import api as kiosk_api
from kiosk_bridge.auth import credentials_status
from kiosk_bridge.service import KioskBridge
from knowledge import api as knowledge_api
from knowledge.editor import api as editor_api
from knowledge.editor import web as editor_web
from knowledge.editor.workflow import EditorDesk
from speech import api as speech_api
from speech.service import SpeechService

if TYPE_CHECKING:
    from guardrails.policy import Guardrails
    from knowledge.retrieve import HybridRetriever

logger = logging.getLogger(__name__)


class State(TypedDict):
    """What the lifespan hands to every request (``request.state``)."""

    runtime: Runtime
    """The assistant package's services (pipeline, health probes); other packages read
    their own entries below, not the runtime."""
    retriever: HybridRetriever
    guardrails: Guardrails
    speech: SpeechService
    kiosk: KioskBridge
    voice_turn: object
    form_fields: object
    backoffice: Backoffice
    editor_desk: EditorDesk


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def _protection_status(gate: RateGate, settings: Settings) -> tuple[bool, str]:
    status = gate.status()
    detail = (f"rate limits in {status['backend']}"
              + (" (store unavailable: not limiting)" if status["degraded"] else "")
              + ("; TLS on" if settings.protection.tls else "; TLS off (use a TLS proxy)"))
    return not status["degraded"], detail


def _metrics_snapshot(observed: dict[str, object]) -> tuple[int, float, dict[str, bool]]:
    runtime = observed.get("runtime")
    if not isinstance(runtime, Runtime):
        return 0, 0.0, {}
    health = service_health(runtime)
    components = {name: c.available for name, c in health.components.items()}
    return runtime.retriever.size, runtime.retriever.built_at, components


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the daoban HTTP service for ``settings`` (environment defaults when ``None``)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        build_started = time.perf_counter()
        # The guard's character tables come from the node's cache folder, and the runtime
        # (which lives as long as the worker) is built without the cyclic collector and then
        # frozen: full collections while serving no longer rescan millions of start-up
        # objects (see daoban.long_lived); released again when the app stops.
        table_cache.use_directory(settings.guardrails.topic_cache_dir)
        with long_lived():
            runtime = build_runtime(settings)
        voice = build_voice(runtime)
        sweeper = asyncio.create_task(voice.bridge.sessions.sweep_forever())
        start_following(runtime)
        runtime.health_probes["protection"] = lambda: _protection_status(gate, settings)
        runtime.health_probes["kiosk.credentials"] = lambda: credentials_status(settings.kiosk)
        observed["runtime"] = runtime
        backoffice = build_backoffice(runtime)
        back_sweep = asyncio.create_task(backoffice.run_forever())
        logger.info(
            "daoban started",
            extra={
                "matters": runtime.retriever.size,
                "build_s": round(time.perf_counter() - build_started, 2),
                "process_s": round(time.time() - process_started_at(), 2),
            },
        )
        try:
            yield {"runtime": runtime, "retriever": runtime.retriever,
                   "guardrails": runtime.guardrails,
                   "speech": voice.speech, "kiosk": voice.bridge,
                   "voice_turn": counted_voice_turn(voice_turn_handler(runtime), backoffice),
                   "form_fields": form_fields(runtime),
                   "backoffice": backoffice, "editor_desk": backoffice.desk}
        finally:
            await stop_backoffice(back_sweep)
            backoffice.stats.flush()
            sweeper.cancel()
            stop_following(runtime)
            await voice.bridge.aclose()
            runtime.close()
            release_at_exit()

    # /docs and /redoc from the Swagger UI and ReDoc files shipped in fastapi-offline (no CDN)
    app = FastAPIOffline(
        title="daoban 智能导办",
        version="0.1.0",
        description="AI guidance for government-service kiosks (GB/T 47483—2026). "
        "Every answer is AI generated, for reference only (AI生成，仅供参考).",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.include_router(assistant_api.router)
    app.include_router(knowledge_api.router)
    app.include_router(guardrails_api.router)
    app.include_router(pages.shared_router())  # the back-office pages' shared style sheet
    app.include_router(guardrails_web.build_router())
    app.include_router(kiosk_page.build_router(settings.assistant.hotline))
    app.include_router(speech_api.router)
    app.include_router(kiosk_api.router)
    app.include_router(script_api.router)
    app.include_router(stats_api.router)
    app.include_router(stats_web.build_router())
    app.include_router(editor_api.router)
    app.include_router(preview.router)
    app.include_router(editor_web.build_router())
    register_error_handlers(app)
    gate = RateGate(settings.protection, settings.redis_url)
    app.state.rate_gate = gate
    observed: dict[str, object] = {}
    metrics.install(app, lambda: _metrics_snapshot(observed))
    app.add_middleware(ProtectionMiddleware, settings=settings.protection, gate=gate,
                       observe=metrics.count_rejection)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    return app
