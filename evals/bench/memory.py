"""Resident memory of processes: current RSS, and the peak of a process we watch."""

from __future__ import annotations

import resource
import sys
import threading
from pathlib import Path

import psutil

_MB = 1024 * 1024


def rss_mb(pid: int | None = None) -> float:
    """Current resident set size of ``pid`` (this process when ``None``), in MB."""
    return float(psutil.Process(pid).memory_info().rss) / _MB


def own_peak_rss_mb() -> float:
    """Peak resident set size of this process since it started, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / _MB if sys.platform == "darwin" else peak / 1024


def _kernel_peak_mb(pid: int) -> float | None:
    """``VmHWM`` (the kernel's peak RSS) of ``pid`` on Linux, in MB; else ``None``."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


class PeakMemoryWatcher:
    """Samples a process's RSS in a background thread and keeps the peak.

    Usage example::

        with PeakMemoryWatcher(pid) as watcher:
            ...                       # drive the process
            peak = watcher.peak_mb()  # read before the process exits

    On Linux :meth:`peak_mb` also reads the kernel's own high-water mark, which catches
    spikes shorter than the sampling interval.
    """

    def __init__(self, pid: int, *, interval_s: float = 0.05) -> None:
        """Watch ``pid`` every ``interval_s`` seconds once started."""
        self._process = psutil.Process(pid)
        self._interval_s = interval_s
        self._peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-watcher", daemon=True)

    def __enter__(self) -> PeakMemoryWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._peak_mb = max(self._peak_mb, self._process.memory_info().rss / _MB)
            except psutil.Error:
                return
            self._stop.wait(self._interval_s)

    def peak_mb(self) -> float:
        """Peak RSS seen so far (sampled, or the kernel's mark when larger), in MB."""
        kernel = _kernel_peak_mb(self._process.pid)
        return max(self._peak_mb, kernel or 0.0)
