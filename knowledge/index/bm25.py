"""A BM25 channel (bm25s) over one view of the matters: names, name pinyin, body text, ...

A channel is a function from a matter to a list of terms plus a bm25s index over those term
lists. :meth:`Bm25Channel.scores` returns the BM25 score of every matter for a query's terms,
as a float32 array aligned with the matters the channel was built on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bm25s
import numpy as np
import numpy.typing as npt

from knowledge.models import Matter

TermsOf = Callable[[Matter], list[str]]


class Bm25Channel:
    """BM25 over the terms ``terms_of(matter)`` of each matter.

    Usage example::

        channel = Bm25Channel("names", lambda m: tokenizer.tokens(" ".join(m.names)))
        channel.build(matters)
        channel.scores(tokenizer.tokens("补身份证"))   # shape (len(matters),)
    """

    def __init__(self, name: str, terms_of: TermsOf, *, k1: float = 1.2, b: float = 0.5) -> None:
        """Name the channel and say how a matter becomes terms; BM25 parameters k1 and b."""
        self.name = name
        self._terms_of = terms_of
        self._k1 = k1
        self._b = b
        self._bm25: bm25s.BM25 | None = None
        self._size = 0

    def build(self, matters: Sequence[Matter]) -> None:
        """(Re)build the index over ``matters``; positions follow the sequence."""
        corpus = [self._terms_of(m) or ["\u2205"] for m in matters]
        bm25 = bm25s.BM25(k1=self._k1, b=self._b)
        if corpus:
            bm25.index(corpus, show_progress=False)
        self._bm25 = bm25 if corpus else None
        self._size = len(corpus)

    def known_share(self, terms: list[str]) -> float:
        """Share of ``terms`` that occur in at least one indexed matter (0 when none given).

        A query whose words a recognizer broke (租房 heard as 祖房) is mostly unknown to the
        word channels but still known to the pinyin ones: the share tells how much of the
        question a channel can judge at all.
        """
        if self._bm25 is None or not terms:
            return 0.0
        vocab = self._bm25.vocab_dict
        return sum(1 for term in terms if term in vocab) / len(terms)

    def scores(self, terms: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every matter for ``terms`` (zeros when nothing matches)."""
        if self._bm25 is None or not terms:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
