"""A BM25 channel (bm25s) over one view of the matters: names, name pinyin, body text, ...

A channel is a function from a matter to a list of terms plus a bm25s index over those term
lists. :meth:`Bm25Channel.scores` returns the BM25 score of every matter for a query's terms,
as a float32 array aligned with the matters the channel was built on.

A publish changes one matter of thousands, yet bm25s builds an index whole (every score
depends on the corpus' document frequencies and mean length). :class:`Bm25Builder` keeps
what does not change between builds: each document's term ids under the document's key, and
a vocabulary that only grows, so bm25s indexes from ids (its ``(corpus_ids, vocab_dict)``
input) instead of re-mapping every term of every matter; a channel none of whose documents
changed is not rebuilt at all. Scores and :meth:`Bm25Channel.known_share` are the same as a
fresh build's: terms no indexed document holds any more keep their id but match nothing and
count as unknown.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Callable, Hashable, Sequence
from typing import TypeAlias

import bm25s
import numpy as np
import numpy.typing as npt

from knowledge.models import Matter

# bm25s sets its own logger to DEBUG when imported, after the service configured logging
# (assistant.logs quiets it to WARNING): without this every rebuild printed a DEBUG line per
# channel on the CLI's stderr.
logging.getLogger("bm25s").setLevel(logging.WARNING)

TermsOf = Callable[[Matter], list[str]]

TermIds: TypeAlias = "array[int]"
"""A document's term ids, ``array("i")``: 4 bytes an id where a list holds an 8-byte pointer
(at 10,000 matters the seven channels keep some five million ids, about 20 MB less)."""

EMPTY_DOCUMENT = "\u2205"
"""The term of a document without terms (bm25s needs at least one per document)."""

STALE_SHARE = 0.5
"""A builder's vocabulary is rebuilt from the live terms when more than this share of its
ids belong to terms no indexed document holds any more (a catalogue that keeps changing
would otherwise grow it without bound)."""


class Bm25Channel:
    """BM25 over the terms ``terms_of(matter)`` of each matter.

    Usage example::

        channel = Bm25Channel("names", lambda m: tokenizer.tokens(" ".join(m.names)))
        channel.build(matters)
        channel.scores(tokenizer.tokens("补身份证"))   # shape (len(matters),)

    A built channel is not changed by later builds of a :class:`Bm25Builder`: searches can
    keep reading it while the next one is built.
    """

    def __init__(
        self,
        name: str,
        terms_of: TermsOf | None = None,
        *,
        k1: float = 1.2,
        b: float = 0.5,
    ) -> None:
        """Name the channel and say how a matter becomes terms; BM25 parameters k1 and b.

        ``terms_of`` may be None for a channel built only from ids (:meth:`build_ids`).
        """
        self.name = name
        self._terms_of = terms_of
        self._k1 = k1
        self._b = b
        self._bm25: bm25s.BM25 | None = None
        self._size = 0
        # ids of the vocabulary whose term occurs in some document (None: all of them)
        self._live: npt.NDArray[np.bool_] | None = None

    @property
    def size(self) -> int:
        """Number of indexed documents."""
        return self._size

    def build(self, matters: Sequence[Matter]) -> None:
        """(Re)build the index over ``matters``; positions follow the sequence.

        Raises:
            ValueError: the channel was created without ``terms_of``.
        """
        if self._terms_of is None:
            raise ValueError(f"channel {self.name!r} has no terms_of; build it from ids")
        corpus = [self._terms_of(m) or [EMPTY_DOCUMENT] for m in matters]
        bm25 = bm25s.BM25(k1=self._k1, b=self._b)
        if corpus:
            bm25.index(corpus, show_progress=False)
        self._bm25 = bm25 if corpus else None
        self._size = len(corpus)
        self._live = None

    def build_ids(self, corpus_ids: Sequence[Sequence[int]], vocabulary: dict[str, int]) -> None:
        """(Re)build the index from term ids: document ``i`` holds ``corpus_ids[i]``.

        ``vocabulary`` maps every term to its id, ids ``0 .. len(vocabulary) - 1`` each used
        once; it may hold terms no document has (they score nothing and are not known).
        The channel keeps ``vocabulary`` as given: the caller must not change it afterwards.
        bm25s gives every (document, term) pair the same score as a build from the terms.
        """
        self._size = len(corpus_ids)
        if not corpus_ids:
            self._bm25 = None
            self._live = None
            return
        bm25 = bm25s.BM25(k1=self._k1, b=self._b)
        bm25.index((corpus_ids, vocabulary), create_empty_token=False, show_progress=False)
        indptr = np.asarray(bm25.scores["indptr"])
        self._bm25 = bm25
        self._live = indptr[1:] > indptr[:-1]

    def live_terms(self) -> int:
        """Number of distinct terms the indexed documents hold."""
        if self._bm25 is None:
            return 0
        live = self._live
        if live is None:  # built from terms: recount from the index's postings
            indptr = np.asarray(self._bm25.scores["indptr"])
            live = indptr[1:] > indptr[:-1]
        return int(np.count_nonzero(live))

    def known_share(self, terms: list[str]) -> float:
        """Share of ``terms`` that occur in at least one indexed matter (0 when none given).

        A query whose words a recognizer broke (租房 heard as 祖房) is mostly unknown to the
        word channels but still known to the pinyin ones: the share tells how much of the
        question a channel can judge at all.
        """
        if self._bm25 is None or not terms:
            return 0.0
        vocab = self._bm25.vocab_dict
        live = self._live
        if live is None:
            return sum(1 for term in terms if term in vocab) / len(terms)
        known = 0
        for term in terms:
            position = vocab.get(term)
            if position is not None and live[position]:
                known += 1
        return known / len(terms)

    def scores(self, terms: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every matter for ``terms`` (zeros when nothing matches)."""
        if self._bm25 is None or not terms:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)


class Bm25Builder:
    """Builds one channel's index again and again, keeping term ids between builds.

    Each document comes with a key that identifies its content (the matter's fingerprint):
    a key seen in the previous build reuses that build's term ids; only new keys map their
    terms. When every document's ids equal the previous build's, the previous channel is
    returned as it is. Not thread-safe: one builder per channel, builds run one at a time
    (the retriever's rebuild lock).

    Usage example::

        builder = Bm25Builder("body", b=0.75)
        keys = [fingerprint(m) for m in matters]
        channel = builder.build(keys, lambda i: terms(matters[i]))
        channel.scores(["身份证"])
    """

    def __init__(self, name: str, *, k1: float = 1.2, b: float = 0.5) -> None:
        """Name the channel; BM25 parameters k1 and b."""
        self.name = name
        self._k1 = k1
        self._b = b
        self._vocabulary: dict[str, int] = {}
        self._ids: dict[Hashable, TermIds] = {}
        self._last_corpus: list[TermIds] = []
        self._last: Bm25Channel | None = None
        self._compact = False

    @property
    def vocabulary_size(self) -> int:
        """Terms with an id: the live ones and those gone since the last compaction."""
        return len(self._vocabulary)

    def _encode(self, terms: Sequence[str]) -> TermIds:
        vocabulary = self._vocabulary
        ids: list[int] = []
        for term in terms or (EMPTY_DOCUMENT,):
            found = vocabulary.get(term)
            if found is None:
                found = vocabulary[term] = len(vocabulary)
            ids.append(found)
        return array("i", ids)

    def build(
        self, keys: Sequence[Hashable], terms_of: Callable[[int], Sequence[str]]
    ) -> Bm25Channel:
        """The channel over the documents ``keys``, positions following the sequence.

        ``terms_of(i)`` gives the terms of document ``i``; it is called only for keys the
        last build did not have. Documents with the same key must have the same terms.
        """
        if self._compact:
            # the last build left too many ids of terms nobody holds: map terms afresh
            self._vocabulary = {}
            self._ids = {}
            self._last = None
            self._compact = False
        corpus = self._corpus(keys, terms_of)
        previous = self._last
        if (
            previous is not None
            and len(corpus) == len(self._last_corpus)
            and all(a is b or a == b for a, b in zip(corpus, self._last_corpus, strict=True))
        ):
            self._last_corpus = corpus
            return previous
        channel = Bm25Channel(self.name, k1=self._k1, b=self._b)
        channel.build_ids(corpus, dict(self._vocabulary))
        self._last_corpus = corpus
        self._last = channel
        stale = len(self._vocabulary) - channel.live_terms()
        self._compact = stale > STALE_SHARE * len(self._vocabulary)
        return channel

    def _corpus(
        self, keys: Sequence[Hashable], terms_of: Callable[[int], Sequence[str]]
    ) -> list[TermIds]:
        """Each document's term ids (a known key's from the last build); keeps only these keys."""
        known = self._ids
        kept: dict[Hashable, TermIds] = {}
        corpus: list[TermIds] = []
        for position, key in enumerate(keys):
            ids = kept.get(key)
            if ids is None:
                ids = known.get(key)
                if ids is None:
                    ids = self._encode(terms_of(position))
                kept[key] = ids
            corpus.append(ids)
        self._ids = kept
        return corpus
