"""Trained models kept on disk per node: a worker loads what the first one trained.

Training the guardrails' classifiers costs seconds to tens of seconds of CPU; four workers
each training them at start-up is what made ``serve --workers 4`` crash-loop. A
:class:`FitSnapshots` stands in for ``model.fit(*data)``: the first caller on the node trains
and saves the fitted state (joblib, written atomically), every later caller — another worker,
a restart — loads it. The key is a sha256 of the model's class, the source of its module (a
code change retrains) and the training data itself (``repr`` of the arguments: the policy's
examples and the published catalogue's words), so a publish or a policy change never serves a
stale model. Concurrent first callers are serialized by an exclusive ``flock`` per key.

Only the attributes that pickle are saved (the fitted heads and vectorizers); the rest — an
injected text encoder, a vector cache — are left as the fresh instance built them.
Snapshots are the node's own files (``var/snapshots`` by default): load them only from a
folder the service alone writes.

Usage example::

    snapshots = FitSnapshots(Path("var/snapshots"))
    snapshots.fit(classifier, examples)     # trains once per node, then loads
"""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import logging
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import joblib

logger = logging.getLogger(__name__)

FORMAT_VERSION = "1"
"""Bumped when the snapshot layout changes."""


class FitSnapshots:
    """``fit`` with a per-node cache of the fitted state; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        """Keep snapshots under ``directory`` (created on first save)."""
        self.directory = directory
        self.loaded: list[str] = []
        """Class names loaded from a snapshot by this process (for ``/health``)."""
        self.trained: list[str] = []
        """Class names trained (and saved) by this process."""

    def key(self, model: object, args: tuple[Any, ...]) -> str:
        """The snapshot key of fitting ``model`` on ``args`` (hex sha256)."""
        cls = type(model)
        digest = hashlib.sha256()
        digest.update(f"{FORMAT_VERSION}|{cls.__module__}.{cls.__qualname__}|".encode())
        module = sys.modules.get(cls.__module__)
        try:
            source = inspect.getsource(module) if module is not None else ""
        except (OSError, TypeError):
            source = ""
        digest.update(hashlib.sha256(source.encode()).digest())
        digest.update(repr(args).encode("utf-8", "surrogatepass"))
        # A model whose features depend on what was injected (a sentence encoder) names it.
        digest.update(str(getattr(model, "snapshot_tag", "")).encode())
        return digest.hexdigest()

    def fit(self, model: Any, *args: Any) -> Any:
        """``model.fit(*args)``, or the saved result of the same fit on this node.

        Returns:
            ``model``, fitted.
        """
        name = type(model).__name__
        path = self.directory / f"{name}-{self.key(model, args)[:32]}.joblib"
        if self._load(model, path):
            return model
        self.directory.mkdir(parents=True, exist_ok=True)
        with path.with_suffix(".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if self._load(model, path):  # another worker trained it while we waited
                    return model
                started = time.perf_counter()
                model.fit(*args)
                self._save(model, path)
                self.trained.append(name)
                logger.info(
                    "model trained and snapshotted",
                    extra={"model": name, "ms": round((time.perf_counter() - started) * 1000)},
                )
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return model

    def _load(self, model: Any, path: Path) -> bool:
        if not path.exists():
            return False
        try:
            state = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - a damaged snapshot is retrained
            logger.warning("snapshot unreadable, retraining (%s)", type(exc).__name__)
            return False
        if not isinstance(state, dict):
            return False
        vars(model).update(state)
        self.loaded.append(type(model).__name__)
        return True

    @staticmethod
    def _save(model: Any, path: Path) -> None:
        state: dict[str, Any] = {}
        for attribute, value in vars(model).items():
            try:
                pickle.dumps(value)
            except Exception:  # noqa: BLE001,S112 - encoders, caches: the fresh instance's stay
                continue
            state[attribute] = value
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        joblib.dump(state, temporary, compress=3)  # zlib: a tenth of the size, loads in ms
        os.replace(temporary, path)
