"""A bounded load test: simulated kiosks holding dialogues against ``POST /v1/ask``.

Each simulated kiosk plays the dialogues of ``evals/data/kiosk_dialogues.yaml`` (a first
question, then follow-ups in the same session, as a citizen at a kiosk does), back to back or
with a think time, for a bounded number of seconds (at most :data:`MAX_SECONDS`). It reports
throughput, latency percentiles, errors, whether follow-ups kept the session's matter (the
dialogue state is shared by every worker), and the resident memory of the service.

The client shares the machine with the service it measures, so it is kept light: the kiosks
speak HTTP through ``aiohttp`` (~0.4 ms CPU a request here; ``httpx`` took ~1.2 ms, a sixth
of the two cores at 300 requests/s), and the result gives the CPU time per request of the
service and of the client, and the load average, so a figure taken on a busy machine can be
read as such.

Loopback only: :func:`run_load_test` refuses a URL whose host is not 127.0.0.1, ::1 or
localhost, and the service it starts itself listens on 127.0.0.1.

Usage example::

    result = run_load_test(LoadOptions(kiosks=50, seconds=60, workers=4))
    result.requests_per_s, result.latency.p95_ms, result.errors
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import httpx
import psutil
import yaml
from pydantic import BaseModel, ConfigDict, Field

from evals.bench.http import HOST, ServiceStartError, free_port, stop_service
from evals.metrics import percentile

DIALOGUES_PATH = Path(__file__).resolve().parent.parent / "data" / "kiosk_dialogues.yaml"
"""The team-written kiosk dialogues the simulated kiosks play."""

MAX_SECONDS = 180.0
"""Upper bound of a load test's measured window (the issue's "≤ 3 minutes")."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

CLIENT_KEEPALIVE_S = 1.0
"""Seconds a kiosk keeps an idle connection: under the service's keep-alive (``serve
--workers``: gunicorn's 2 s; uvicorn's 5 s), so a turn after a think time opens a new one."""
_MB = 1024 * 1024


class LoadOptions(BaseModel):
    """What to run: against ``url``, or a service started here with ``workers`` workers."""

    model_config = ConfigDict(frozen=True)

    kiosks: int = Field(default=50, ge=1, le=500, description="Simulated kiosks (concurrent)")
    seconds: float = Field(default=60.0, gt=0, le=MAX_SECONDS, description="Measured window")
    warmup_s: float = Field(default=3.0, ge=0, le=30, description="Untimed load before it")
    think_ms: float = Field(default=0.0, ge=0, le=60000, description="Pause between turns")
    url: str | None = Field(default=None, description="A running service (loopback only)")
    workers: int = Field(default=4, ge=1, le=32, description="Workers of a service started here")
    startup_timeout_s: float = Field(default=600.0, gt=0, description="Wait for /health")


class LatencyPercentiles(BaseModel):
    """Latency of the measured requests, in milliseconds."""

    model_config = ConfigDict(frozen=True)

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


class LoadResult(BaseModel):
    """What a load test measured."""

    model_config = ConfigDict(frozen=True)

    kiosks: int
    workers: int | None = Field(description="Workers of the service, when started here")
    duration_s: float
    requests: int
    errors: int = Field(description="Transport errors and non-200 answers")
    error_kinds: dict[str, int] = Field(default_factory=dict)
    requests_per_s: float
    latency: LatencyPercentiles
    dialogues: int = Field(description="Dialogues completed")
    follow_ups: int = Field(description="Follow-up turns whose first turn found a matter")
    follow_ups_kept: int = Field(description="... answered about the same matter")
    service_rss_mb: float | None = Field(description="Service processes' summed RSS at the end")
    service_peak_rss_mb: float | None = Field(description="Peak of that sum while measured")
    startup_s: float | None = Field(description="Start to first healthy answer, when started")
    service_cpu_ms_per_request: float | None = Field(
        default=None,
        description="CPU time (user + system) of the service's processes while measured, per "
        "measured request, in ms (a service started here only)",
    )
    client_cpu_ms_per_request: float = Field(
        default=0.0, description="CPU time of this load generator while measured, per request (ms)"
    )
    load_average: tuple[float, float] = Field(
        default=(0.0, 0.0), description="1-minute load average at the start and end of the window"
    )


def read_dialogues(path: Path = DIALOGUES_PATH) -> list[list[str]]:
    """The dialogues: each a list of questions, the first one opening the session.

    Raises:
        ValueError: the file is not a list of non-empty lists of strings.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(
        isinstance(d, list) and d and all(isinstance(q, str) and q for q in d) for d in data
    ):
        raise ValueError(f"{path}: expected a list of lists of questions")
    return [list(d) for d in data]


def require_loopback(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` points at this machine's loopback interface."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise ValueError("the load test only runs over loopback (127.0.0.1, ::1, localhost)")


def _matter_of(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    for key in ("sources", "routes"):
        items = body.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            code = items[0].get("matter_code")
            if isinstance(code, str):
                return code
    return None


class _Tally:
    """Counters shared by the kiosk tasks of one run (one event loop: no lock needed)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.dialogues = 0
        self.follow_ups = 0
        self.kept = 0
        self.measuring = False

    def error(self, kind: str) -> None:
        if self.measuring:
            self.errors[kind] = self.errors.get(kind, 0) + 1


async def _post(
    client: aiohttp.ClientSession, payload: dict[str, str]
) -> tuple[int, object]:
    """POST ``payload`` to ``/v1/ask``: (status, parsed JSON body or None when not 200).

    Raises:
        aiohttp.ClientError, TimeoutError: transport failures (counted by the caller).
    """
    async with client.post("/v1/ask", json=payload) as response:
        if response.status != 200:
            await response.read()
            return response.status, None
        return 200, await response.json()


async def _kiosk(
    client: aiohttp.ClientSession,
    number: int,
    dialogues: Sequence[list[str]],
    deadline: float,
    think_s: float,
    tally: _Tally,
) -> None:
    """One simulated kiosk: dialogues one after the other until ``deadline``."""
    kiosk_id = f"load-{number:03d}"
    index = number
    while time.monotonic() < deadline:
        questions = dialogues[index % len(dialogues)]
        index += 1
        session_id = uuid.uuid4().hex
        first_matter: str | None = None
        for turn, question in enumerate(questions):
            if time.monotonic() >= deadline:
                return
            payload = {"question": question, "session_id": session_id, "kiosk_id": kiosk_id}
            started = time.perf_counter()
            try:
                status, body = await _post(client, payload)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                tally.error(type(exc).__name__)
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            if tally.measuring:
                tally.latencies.append(elapsed_ms)
            if status != 200:
                tally.error(f"http_{status}")
                continue
            matter = _matter_of(body)
            if turn == 0:
                first_matter = matter
            elif first_matter is not None and tally.measuring:
                tally.follow_ups += 1
                tally.kept += int(matter == first_matter)
            if think_s:
                await asyncio.sleep(think_s)
        if tally.measuring:
            tally.dialogues += 1


class _TreeMemory:
    """Summed RSS of a process and its children, sampled by :meth:`sample`; and their CPU."""

    def __init__(self, pid: int | None) -> None:
        self._process = psutil.Process(pid) if pid is not None else None
        self.peak_mb = 0.0
        self.last_mb = 0.0
        self._cpu_s: dict[int, float] = {}

    def cpu_s(self) -> float | None:
        """CPU seconds (user + system) used so far by the process tree (None: no process).

        Each process's last reading is kept, so a worker that exits still counts what it used
        until it was last seen.
        """
        if self._process is None:
            return None
        try:
            processes = [self._process, *self._process.children(recursive=True)]
        except psutil.Error:
            processes = []
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self._cpu_s[process.pid] = times.user + times.system
        return sum(self._cpu_s.values())

    def sample(self) -> None:
        if self._process is None:
            return
        try:
            processes = [self._process, *self._process.children(recursive=True)]
            total = 0.0
            for process in processes:
                try:
                    total += process.memory_info().rss / _MB
                except psutil.Error:
                    continue
        except psutil.Error:
            return
        self.last_mb = total
        self.peak_mb = max(self.peak_mb, total)


async def _wait_healthy(
    base_url: str, process: subprocess.Popen[bytes] | None, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise ServiceStartError(f"service exited with code {process.returncode}")
            try:
                if (await client.get("/health", timeout=2.0)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise ServiceStartError(f"no healthy answer within {timeout_s:.0f} s")


async def _wait_all_workers(base_url: str, workers: int, timeout_s: float) -> None:
    """Until ``workers`` distinct workers answered ``/health`` (best effort, bounded)."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while len(seen) < workers and time.monotonic() < deadline:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:  # new connection
            try:
                body = (await client.get("/health")).json()
            except (httpx.HTTPError, ValueError):
                await asyncio.sleep(0.5)
                continue
        detail = str(body.get("components", {}).get("change_feed", {}).get("detail", ""))
        if not detail.startswith("worker "):
            return  # a service without worker ids: nothing to wait for
        seen.add(detail.split(":", 1)[0])
        await asyncio.sleep(0.1)


class _Window(BaseModel):
    """What :func:`_run` measured besides the tally."""

    elapsed_s: float
    service_cpu_s: float | None
    client_cpu_s: float
    load_average: tuple[float, float]


async def _run(
    options: LoadOptions, base_url: str, memory: _TreeMemory, dialogues: Sequence[list[str]]
) -> tuple[_Tally, _Window]:
    tally = _Tally()
    # an idle connection is given up after CLIENT_KEEPALIVE_S, before the service closes it
    # (gunicorn's keep-alive is 2 s): reusing one the service is closing at that moment is
    # reset (ECONNRESET), a client race, not the service failing
    connector = aiohttp.TCPConnector(limit=options.kiosks, keepalive_timeout=CLIENT_KEEPALIVE_S)
    timeout = aiohttp.ClientTimeout(total=30.0)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:
        start = time.monotonic()
        end = start + options.warmup_s + options.seconds
        think_s = options.think_ms / 1000
        tasks = [
            asyncio.create_task(_kiosk(client, n, dialogues, end, think_s, tally))
            for n in range(options.kiosks)
        ]
        await asyncio.sleep(options.warmup_s)
        tally.measuring = True
        measured_from = time.monotonic()
        service_from, client_from = memory.cpu_s(), time.process_time()
        load_from = os.getloadavg()[0]
        while time.monotonic() < end:
            memory.sample()
            await asyncio.sleep(0.5)
        await asyncio.gather(*tasks)
        tally.measuring = False
        elapsed = time.monotonic() - measured_from
        service_to, client_to = memory.cpu_s(), time.process_time()
        memory.sample()
    service_cpu = (
        service_to - service_from if service_to is not None and service_from is not None else None
    )
    return tally, _Window(
        elapsed_s=elapsed, service_cpu_s=service_cpu, client_cpu_s=client_to - client_from,
        load_average=(round(load_from, 2), round(os.getloadavg()[0], 2)),
    )  # fmt: skip


def _per_request_ms(seconds: float | None, requests: int) -> float | None:
    if seconds is None:
        return None
    return round(seconds * 1000 / requests, 2) if requests else 0.0


def run_load_test(options: LoadOptions, *, env: dict[str, str] | None = None) -> LoadResult:
    """Run the load test described by ``options``; see the module docstring.

    Args:
        options: kiosks, window, and the service (a loopback ``url`` or ``workers`` to start).
        env: environment of a service started here (default: this process's environment, so
            it serves the configured database).

    Raises:
        ValueError: ``options.url`` is not a loopback URL.
        ServiceStartError: the service started here did not become healthy.
    """
    dialogues = read_dialogues()
    process: subprocess.Popen[bytes] | None = None
    startup_s: float | None = None
    if options.url is not None:
        require_loopback(options.url)
        base_url = options.url.rstrip("/")
    else:
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        argv = [
            sys.executable, "-c", "from assistant.cli import app; app()", "serve",
            "--host", HOST, "--port", str(port), "--workers", str(options.workers),
        ]  # fmt: skip
        # The service's log goes to a file: an undrained pipe would fill and block its workers.
        with tempfile.NamedTemporaryFile(
            prefix="daoban-loadtest-", suffix=".log", delete=False
        ) as log:
            service_env = dict(env or os.environ)
            # the simulated kiosks share one loopback address: measure the limiter, not its 429s
            service_env.setdefault("DAOBAN_PROTECTION__ADDRESS_RATE", "1000000/minute")
            process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
                argv, env=service_env, stdout=log, stderr=subprocess.STDOUT
            )
    try:
        if process is not None:
            started = time.monotonic()
            asyncio.run(_wait_healthy(base_url, process, options.startup_timeout_s))
            asyncio.run(_wait_all_workers(base_url, options.workers, options.startup_timeout_s))
            startup_s = round(time.monotonic() - started, 2)
        memory = _TreeMemory(process.pid if process is not None else None)
        tally, window = asyncio.run(_run(options, base_url, memory, dialogues))
    finally:
        if process is not None:
            stop_service(process)
    values = tally.latencies
    elapsed = window.elapsed_s
    errors = sum(tally.errors.values())
    return LoadResult(
        kiosks=options.kiosks,
        workers=options.workers if process is not None else None,
        duration_s=round(elapsed, 2),
        requests=len(values),
        errors=errors,
        error_kinds=dict(tally.errors),
        requests_per_s=round(len(values) / elapsed, 1) if elapsed > 0 else 0.0,
        latency=LatencyPercentiles(
            count=len(values),
            p50_ms=round(percentile(values, 50), 2),
            p95_ms=round(percentile(values, 95), 2),
            p99_ms=round(percentile(values, 99), 2),
            max_ms=round(max(values), 2) if values else 0.0,
        ),
        dialogues=tally.dialogues,
        follow_ups=tally.follow_ups,
        follow_ups_kept=tally.kept,
        service_rss_mb=round(memory.last_mb, 1) if process is not None else None,
        service_peak_rss_mb=round(memory.peak_mb, 1) if process is not None else None,
        startup_s=startup_s,
        service_cpu_ms_per_request=_per_request_ms(window.service_cpu_s, len(values)),
        client_cpu_ms_per_request=_per_request_ms(window.client_cpu_s, len(values)) or 0.0,
        load_average=window.load_average,
    )
