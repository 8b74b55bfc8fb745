"""Browser-test fixtures: the real app under uvicorn in a subprocess, Debian's chromium.

The server runs in its own process (``uvicorn --factory assistant.app:create_app``) on a free
loopback port against a temporary SQLite file, configured through ``DAOBAN_*`` variables, so
Playwright's sync API in the test process never shares an event loop with the app.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from evals.bench.http import free_port, stop_service
from tests.conftest import TEST_DEFAULTS

CHROMIUM = os.environ.get("DAOBAN_TEST_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT_S = float(os.environ.get("DAOBAN_TEST_SERVER_START_S", "240"))
"""How long the app may take to start (it trains classifiers; longer on a busy machine)."""


@dataclass(frozen=True)
class LiveServer:
    """A running daoban service: base URL, its database URL and its captured output."""

    url: str
    database_url: str
    log_path: Path

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(
    workdir: Path, tokens: list[dict[str, str]], extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], LiveServer]:
    """Start the app on a free port with ``tokens`` (and ``DAOBAN_*`` settings in
    ``extra_env``); returns once ``/health`` answers."""
    port = free_port()
    database_url = f"sqlite:///{workdir}/daoban.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAOBAN_")}
    env.update(TEST_DEFAULTS)
    env.update(
        DAOBAN_DATABASE_URL=database_url,
        DAOBAN_LOG_LEVEL="DEBUG",
        DAOBAN_GUARDRAILS__TOKENS=json.dumps(tokens),
    )
    env.update(extra_env or {})
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "assistant.app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
        )  # fmt: skip
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daoban server exited at start-up:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return process, server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_service(process)
    raise RuntimeError(f"daoban server not up after {START_TIMEOUT_S} s:\n{server.log()[-3000:]}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by Playwright (no browser download).

    Module-scoped on purpose: while Playwright's sync API is open it keeps an event loop
    running in the main thread, and every later ``asyncio.run`` (CLI, TTS, kiosk tests) would
    fail; closing it after the browser module gives the rest of the session a clean thread.
    """
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]'")
    if not shutil.which(CHROMIUM):
        message = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"]
        )
        yield launched
        launched.close()
