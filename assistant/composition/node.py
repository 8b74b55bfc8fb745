"""Prepare a node once before its workers start: the heavy work is not done per worker.

``daoban serve --workers N`` runs :func:`prepare_node` in a short-lived subprocess first: it
migrates the database, loads the samples on a first start (under the seeding lock), and builds
the full runtime once — which trains the classifiers and embeds the matters and the training
texts, leaving the packages' on-disk snapshots (the topic classifier's model and vector caches
keyed by training data, encoder and model version; the embedder's vector cache keyed by model
and text) in place. Each worker then builds its runtime from those snapshots in seconds and
answers uvicorn's health ping in time. Running it in a subprocess keeps the supervisor small.

Several nodes preparing at once on one database are safe: seeding takes a database lock and
the caches are per node.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def process_started_at() -> float:
    """When this process started (seconds since the epoch; Linux ``/proc``, else now).

    A worker's start-up — imports included — is ``time.time() - process_started_at()``.
    """
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat(5): start time in clock ticks after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def prepare_node() -> float:
    """Migrate, seed (first start) and warm every snapshot; returns the seconds it took."""
    from assistant.logs import configure_logging
    from assistant.runtime import build_runtime
    from assistant.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    started = time.perf_counter()
    runtime = build_runtime(settings, seed=True)
    runtime.close()
    elapsed = time.perf_counter() - started
    logger.info("node prepared", extra={"seconds": round(elapsed, 2)})
    return elapsed


def prepare_node_in_subprocess() -> None:
    """Run :func:`prepare_node` in a fresh interpreter (same environment); raise on failure.

    Raises:
        SystemExit: the preparation failed (its log is on stderr).
    """
    code = "from assistant.composition.node import prepare_node; prepare_node()"
    result = subprocess.run([sys.executable, "-c", code], check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"node preparation failed (exit code {result.returncode})")
