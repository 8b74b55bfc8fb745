"""The service over HTTP: the real app under uvicorn in a subprocess, driven over loopback.

:func:`run_http_bench` starts ``uvicorn assistant.app:create_app --factory`` on 127.0.0.1 and
a free port, with ``DAOBAN_DATABASE_URL`` pointing at a temporary SQLite file (seeded with the
bundled samples on first start, or with the matters given), waits for ``/health``, warms it
up, then lets ``concurrency`` clients (each its own ``httpx.AsyncClient``) post dev-set
questions to ``/v1/ask`` back to back for ``seconds``. Every loop is bounded by a deadline
and a request cap; the service is stopped in every case.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from assistant.database import create_db_engine, make_sessionmaker, migrate
from evals.bench.memory import PeakMemoryWatcher
from evals.bench.models import HttpResult
from evals.bench.turn import summarize
from evals.bench.vectors import seed_vectors
from knowledge.models import MatterContent
from knowledge.store import MatterStore

HOST = "127.0.0.1"
"""Loopback only: the bench never listens on or calls another interface."""

BENCH_EDITOR = "bench"


class ServiceStartError(RuntimeError):
    """The service did not answer ``/health`` in time; the message holds its stderr tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def stop_service(process: subprocess.Popen[bytes]) -> None:
    """Stop a service started as a subprocess: SIGTERM, then SIGKILL after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def migrate_database(database_url: str) -> None:
    """Create or upgrade the schema of the database at ``database_url``."""
    engine = create_db_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def seed_database(database_url: str, contents: Sequence[MatterContent]) -> None:
    """Migrate the database at ``database_url`` and publish ``contents`` into it."""
    engine = create_db_engine(database_url)
    try:
        migrate(engine)
        MatterStore(make_sessionmaker(engine)).import_matters(
            contents, editor=BENCH_EDITOR, publish=True
        )
    finally:
        engine.dispose()


async def _wait_healthy(
    client: httpx.AsyncClient, process: subprocess.Popen[bytes], timeout_s: float
) -> int:
    """Poll ``/health`` until it answers 200; return the published matter count if given."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceStartError(f"service exited with code {process.returncode}")
        try:
            response = await client.get("/health", timeout=2.0)
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        if response.status_code == 200:
            body = response.json()
            matters = body.get("matters_published") if isinstance(body, dict) else None
            return int(matters) if isinstance(matters, int) else 0
        await asyncio.sleep(0.2)
    raise ServiceStartError(f"no healthy answer within {timeout_s:.0f} s")


async def _client_loop(
    base_url: str,
    questions: Sequence[str],
    offset: int,
    deadline: float,
    budget: list[int],
    latencies: list[float],
    errors: list[int],
) -> None:
    """One client: post questions until ``deadline`` or until the shared budget is spent."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        index = offset
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            question = questions[index % len(questions)]
            index += 1
            started = time.perf_counter()
            try:
                response = await client.post("/v1/ask", json={"question": question})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            if not ok:
                errors[0] += 1


async def _drive(
    base_url: str,
    questions: Sequence[str],
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = [0]
    budget = [max_requests]
    started = time.monotonic()
    deadline = started + seconds
    step = max(1, len(questions) // concurrency)
    await asyncio.gather(
        *(
            _client_loop(base_url, questions, i * step, deadline, budget, latencies, errors)
            for i in range(concurrency)
        )
    )
    return latencies, errors[0], time.monotonic() - started


def run_http_bench(
    questions: Sequence[str],
    *,
    seconds: float = 10.0,
    concurrency: int = 16,
    contents: Sequence[MatterContent] | None = None,
    warmup_requests: int = 32,
    max_requests: int = 1_000_000,
    startup_timeout_s: float = 300.0,
    environment: dict[str, str] | None = None,
    vector_cache: Path | None = None,
) -> HttpResult:
    """Start the service, measure ``POST /v1/ask`` under load, stop it.

    Args:
        questions: the questions the clients cycle through.
        seconds: length of the measured window.
        concurrency: number of concurrent clients.
        contents: matters to publish before start; ``None`` lets the service load its
            bundled samples on first start, as a fresh install does.
        warmup_requests: untimed requests before the window.
        max_requests: cap on the requests of the window.
        startup_timeout_s: how long to wait for ``/health``.
        environment: settings for the service beyond this process's environment (e.g.
            ``DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL``).
        vector_cache: passage vectors kept between runs (:mod:`evals.bench.vectors`),
            copied into the service's database before it starts.

    Returns:
        Throughput, latency and the service's peak resident memory.

    Raises:
        ServiceStartError: the service exited or did not become healthy.
    """
    with tempfile.TemporaryDirectory(prefix="daoban-bench-http-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        if contents is not None:
            seed_database(database_url, contents)
        if vector_cache is not None:
            if contents is None:
                migrate_database(database_url)
            seed_vectors(database_url, vector_cache)
        port = free_port()
        env = {
            **os.environ,
            **(environment or {}),
            "DAOBAN_DATABASE_URL": database_url,
            "DAOBAN_LOG_LEVEL": "WARNING",
        }
        # the clients share one loopback address: measure the limiter, not its 429s
        env.setdefault("DAOBAN_PROTECTION__ADDRESS_RATE", "1000000/minute")
        log_path = Path(folder) / "service.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
                [
                    sys.executable, "-m", "uvicorn", "assistant.app:create_app", "--factory",
                    "--host", HOST, "--port", str(port), "--log-level", "warning",
                    "--no-access-log",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                with PeakMemoryWatcher(process.pid) as watcher:
                    result = asyncio.run(
                        _measure(
                            process,
                            f"http://{HOST}:{port}",
                            questions,
                            seconds=seconds,
                            concurrency=concurrency,
                            warmup_requests=warmup_requests,
                            max_requests=max_requests,
                            startup_timeout_s=startup_timeout_s,
                        )
                    )
                    peak = watcher.peak_mb()
            except ServiceStartError as exc:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise ServiceStartError(f"{exc}\n{tail}") from None
            finally:
                stop_service(process)
    return result.model_copy(update={"peak_rss_mb": round(peak, 1)})


async def _measure(
    process: subprocess.Popen[bytes],
    base_url: str,
    questions: Sequence[str],
    *,
    seconds: float,
    concurrency: int,
    warmup_requests: int,
    max_requests: int,
    startup_timeout_s: float,
) -> HttpResult:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url) as client:
        matters = await _wait_healthy(client, process, startup_timeout_s)
    startup_s = time.monotonic() - started
    await _drive(
        base_url, questions, concurrency=concurrency, seconds=60.0, max_requests=warmup_requests
    )
    latencies, errors, elapsed = await _drive(
        base_url, questions, concurrency=concurrency, seconds=seconds, max_requests=max_requests
    )
    return HttpResult(
        matters=matters,
        concurrency=concurrency,
        duration_s=round(elapsed, 3),
        requests=len(latencies),
        errors=errors,
        requests_per_s=round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        latency=summarize(latencies),
        startup_s=round(startup_s, 2),
        peak_rss_mb=0.0,
    )
