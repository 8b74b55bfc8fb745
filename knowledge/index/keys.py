"""A compact, immutable set of strings for the coverage keys the index keeps per matter.

The retriever keeps, for every matter, the folded pinyin syllable bigrams of its names,
situations and body (to measure how much of a question the matter explains). As frozensets
they cost about four times their strings' pointers (a hash table kept at most 60 % full): at
10,000 matters some 135 MB, a sixth of the service's memory. :class:`SortedKeys` keeps the same
strings as one sorted tuple (one pointer each, the strings themselves interned and shared) and
answers ``in`` by binary search: a search asks it a few hundred times, microseconds each.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable


class SortedKeys(tuple[str, ...]):
    """An immutable set of strings stored sorted: ``key in keys`` in O(log n).

    Usage example::

        keys = SortedKeys(["shen fen", "fen zheng", "shen fen"])
        "fen zheng" in keys        # True
        len(keys)                  # 2 (repeats are dropped)

    Equality, hashing, iteration (in sorted order) and pickling are the tuple's.
    """

    __slots__ = ()

    def __new__(cls, keys: Iterable[str] = ()) -> SortedKeys:
        """The distinct ``keys``, sorted."""
        return super().__new__(cls, sorted(set(keys)))

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is one of the keys (binary search; non-strings are never in)."""
        if not isinstance(key, str):
            return False
        at = bisect_left(self, key)
        return at < len(self) and self[at] == key

    def __reduce__(self) -> tuple[type[SortedKeys], tuple[tuple[str, ...]]]:
        """Pickle as the class and its (already sorted) keys."""
        return (SortedKeys, (tuple(self),))


def holds(keys: SortedKeys, key: str) -> bool:
    """``key in keys`` without the method dispatch: the retriever's hot loop calls this."""
    at = bisect_left(keys, key)
    return at < len(keys) and keys[at] == key
