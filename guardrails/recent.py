"""Results about recent texts, kept by the text's SHA-256 digest (never the text).

A kiosk hears the same questions all day and gives the same answers; the guard's topic
assessment, act decisions and the output rail's name analysis of an answer are pure functions
of the text once a model is built, so a bounded LRU of them (``cachetools``) saves their CPU.
Keys are digests, values what the caller computed (probabilities, offsets), so nothing kept
here is personal data. Thread-safe: cachetools caches are not, so a lock guards them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")


def digest(text: str) -> bytes:
    """The SHA-256 digest of ``text`` (UTF-8), 32 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class RecentResults(Generic[V]):
    """A bounded, thread-safe LRU of results keyed by :func:`digest` (plus a qualifier).

    Args:
        size: Results kept; 0 keeps none (every lookup misses, nothing is stored).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._cache: LRUCache[Hashable, V] = LRUCache(maxsize=max(size, 1))
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The result kept under ``key``, or None."""
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` under ``key`` (nothing when the size is 0)."""
        if self._size > 0:
            with self._lock:
                self._cache[key] = value

    def clear(self) -> None:
        """Forget every result (the model changed, or a bench times the work)."""
        with self._lock:
            self._cache.clear()

    def items(self) -> list[tuple[Hashable, V]]:
        """A copy of what is kept, (key, result) pairs, least recent first (for checks)."""
        with self._lock:
            return list(self._cache.items())

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)

    def __getstate__(self) -> dict[str, object]:
        """Pickled (a model snapshot) as its size alone: results and lock stay behind."""
        return {"size": self._size}

    def __setstate__(self, state: dict[str, object]) -> None:
        size = state["size"]
        self.__init__(size if isinstance(size, int) else 0)  # type: ignore[misc]
