"""RecentResults: a bounded LRU by digest, thread-safe, off at size 0, pickled empty."""

from __future__ import annotations

import pickle

from guardrails.recent import RecentResults, digest


def test_keeps_the_most_recent_results_by_digest() -> None:
    kept: RecentResults[int] = RecentResults(2)
    for n, text in enumerate(["居住证怎么办", "社保卡怎么补办", "护照怎么办"]):
        kept.put(digest(text), n)
    assert kept.get(digest("居住证怎么办")) is None  # the least recent went first
    assert kept.get(digest("护照怎么办")) == 2 and len(kept) == 2
    assert all(isinstance(key, bytes) and len(key) == 32 for key, _ in kept.items())


def test_size_zero_keeps_nothing_and_clear_forgets() -> None:
    off: RecentResults[int] = RecentResults(0)
    off.put(digest("a"), 1)
    assert off.get(digest("a")) is None and len(off) == 0
    on: RecentResults[int] = RecentResults(4)
    on.put(digest("a"), 1)
    on.clear()
    assert len(on) == 0


def test_a_model_snapshot_keeps_the_size_not_the_results() -> None:
    kept: RecentResults[int] = RecentResults(3)
    kept.put(digest("a"), 1)
    restored = pickle.loads(pickle.dumps(kept))
    assert len(restored) == 0
    restored.put(digest("b"), 2)
    assert restored.get(digest("b")) == 2
