"""Hybrid retrieval of matters: field-aware BM25, pinyin, character n-grams, dense; fused.

Channels (weights in :data:`CHANNEL_WEIGHTS`):

* ``names``  — BM25 over jieba tokens of the name, aliases, colloquial and English names;
* ``chars``  — BM25 over Chinese character bigrams of those names (typos, odd segmentation);
* ``pinyin`` — BM25 over folded pinyin syllable bigrams of those names, so recognizer
  homophones (户口签移, 异地就一备案) still find the matter;
* ``situations`` — BM25 over jieba tokens of the life situations (我要卖房子);
* ``situations_pinyin`` — BM25 over folded pinyin syllable bigrams of the situations;
* ``body``   — BM25 over jieba tokens of conditions, materials, process, objects, result,
  department, themes;
* ``body_pinyin`` — BM25 over folded pinyin syllable bigrams of that body text;
* ``dense``  — cosine similarity of e5 (or a configured sentence-transformers model) vectors.

The pinyin channels mirror the word channels by sound: a recognizer that writes 租房 as 祖房
breaks the jieba word, not the syllables, so every field keeps some evidence under noise.

Each channel's scores are divided by that channel's best score for the query, then summed
with the weights; the fused score is in [0, 1]. The lexical weights are shared out per query
by how much of the question each channel knows at all (:meth:`Bm25Channel.known_share`):
when the words of a misrecognized question are unknown to the word channels, their best
match is some stray word ("多少钱") and must not count as much as the sound channels, which
still know most of its syllables. The lexical weights keep their sum, so scores stay on the
same scale as the thresholds that read them. With the dense channel on, the lexical weights
are then scaled by :func:`lexical_trust`: a question whose best candidates explain little of
it with their words (a need described without the official words) leans on the dense
channel. An English question's cosine also reads its glossary gist (the official Chinese
words of the English glossary phrases it says, :data:`GLOSS_WEIGHT`).

``coverage`` — the share of the query's content syllables (pinyin bigrams) that the
matter's text contains — measures how much of the question the matter explains, and
``matched`` the weighted count of those syllables; the assistant abstains when both are low.

The index is rebuilt from the store's published matters whenever they change (a
:class:`~knowledge.store.MatterStore` listener), with no restart.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.embeddings import ComponentStatus, RetrievalEmbedder, Vectors
from knowledge.index.bm25 import Bm25Builder, Bm25Channel
from knowledge.index.dense import VIEW_ROLES, DenseChannel, matter_views
from knowledge.index.derived_cache import DerivedTermsCache
from knowledge.index.keys import SortedKeys, holds
from knowledge.models import ChannelScores, Hit, Matter
from knowledge.text import ChineseTokenizer, bigrams, has_han, normalize, pinyin_keys
from knowledge.thesaurus import Expansion, Thesaurus
from knowledge.vectors import MatterVectorCache

logger = logging.getLogger(__name__)

CHANNEL_WEIGHTS: dict[str, float] = {
    "names": 1.0,
    "chars": 0.6,
    "pinyin": 0.8,
    "situations": 0.6,
    "situations_pinyin": 0.5,
    "body": 0.35,
    "body_pinyin": 0.3,
}
"""Weight of each lexical channel in the fused score (the dense weight is configured)."""

CHANNEL_B: dict[str, float] = {
    "names": 0.3,
    "chars": 0.3,
    "pinyin": 0.3,
    "situations": 0.5,
    "situations_pinyin": 0.5,
    "body": 0.75,
    "body_pinyin": 0.75,
}
"""BM25 length normalisation (b) of each lexical channel: name-like fields barely."""

SITUATION_WEIGHT = 0.8
BODY_WEIGHT = 0.6
"""What a key syllable pair counts in coverage when a matter's life situations (not its
names) or only its body text hold it; a pair its names hold counts 1."""

RERANK_DEPTH = 20
"""How many fused candidates are reranked by coverage."""

COVERAGE_WEIGHT = 0.4
"""Share of the final score that comes from coverage (the rest is the fused channel score)."""

NAME_FIT_WEIGHT = 0.15
"""Bonus weight for how much of the matter's core name the question says (see _core_name)."""

_NO_EXPANSION = Expansion()

DENSE_FLOOR_RANK = 50
"""The dense channel's scores are calibrated per question between the best cosine and the
cosine of the matter at this rank (the level of "unrelated" for this question)."""

DENSE_CANDIDATES = 10
"""The dense channel's best matters always join the reranked candidates."""

SEMANTIC_LOW = 0.82
SEMANTIC_HIGH = 0.90
"""e5 cosines between a question and a passage: about SEMANTIC_LOW for an unrelated matter,
SEMANTIC_HIGH and above for the matter asked about. ``Hit.semantic`` maps this band to [0, 1]."""

CROSS_LINGUAL_SHIFT = 0.065
"""An English question's cosines to Chinese passages run lower: measured on the Guangdong
tune questions (mean of a matter's two passages), the matter asked about scores a median
0.823 in English against 0.910 in Chinese, and English small talk a median 0.799. The band
moves down by this much for a question without Chinese characters."""

LEXICAL_TRUST_COVERAGE = 0.4
LEXICAL_TRUST_FLOOR = 0.75
"""When the semantic channel is on, the lexical channels' weight is scaled by how much of
the question their best candidate explains with its words (coverage): full weight from
LEXICAL_TRUST_COVERAGE, falling linearly to LEXICAL_TRUST_FLOOR. A question that describes
a need without the official words ("厂里的供电带不动了") matches matters on stray words only
(肺病 → 肺脏移植), and the dense channel should carry it. Measured on the tune halves (search
top-1): Guangdong 77.6 → 78.6 %, sample and dev unchanged or +1 question."""

GLOSS_WEIGHT = 0.25
"""Weight of the cosine to an English question's glossary gist (:meth:`Thesaurus.gloss`,
its official Chinese words) beside the cosine to the question itself. Measured on the
Guangdong tune half with the trust above: English search top-1 57.1 → 60.7 %; sample and
dev English unchanged."""


def lexical_trust(best_coverage: float) -> float:
    """The lexical channels' weight factor for a question, in [LEXICAL_TRUST_FLOOR, 1].

    ``best_coverage`` is the highest coverage (share of the question's key syllables or
    English words a matter's text holds, in [0, 1]) among the candidates.
    """
    share = best_coverage / LEXICAL_TRUST_COVERAGE
    return max(LEXICAL_TRUST_FLOOR, min(1.0, share))


def _candidates(
    fused: npt.NDArray[np.float32], dense_order: npt.NDArray[np.intp] | None, k: int
) -> list[int]:
    """Positions to rerank: the best ``max(k, RERANK_DEPTH)`` fused, then the dense best."""
    ranked = [int(p) for p in np.argsort(-fused, kind="stable")[: max(k, RERANK_DEPTH)]]
    if dense_order is not None:
        ranked += [int(p) for p in dense_order[:DENSE_CANDIDATES]]
    return list(dict.fromkeys(ranked))


TWIN_QUERY_CUES = ("查询", "查一下", "查查", "查看", "进度", "结果", "状态", "到哪", "办好了没")
"""Words that ask for a matter's progress query rather than the matter itself."""

_QUERY_SUFFIX = re.compile(r"(办理)?(进度|结果|状态|信息)?查询$")

QUERY_MATTER = re.compile(r"(查询|查看|查验|验证)(（[^）]*）|\([^)]*\))?$")
"""A matter that only looks something up (进度查询, 成绩查询, 证书验证): a region lists many."""

QUERY_MATTER_PENALTY = 0.05
"""Taken off a look-up matter's final score when the question asks for no look-up
(:data:`TWIN_QUERY_CUES`): "港澳通行证过期了" wants the permit, not its progress query."""

GENERIC_ACTIONS = re.compile(
    r"（[^）]*）|\([^)]*\)|申领|申请|办理|登记|签发|核发|开具|受理|发放|认定|手续"
)
"""Bracketed notes and generic action words: "居住证申领" has the core name "居住证"."""


def _name_text(matter: Matter, expansion: Expansion = _NO_EXPANSION) -> str:
    return " ".join([*matter.names, *expansion.terms])


def _english_text(matter: Matter, expansion: Expansion = _NO_EXPANSION) -> str:
    return " ".join([matter.english_name, *matter.english_aliases, *expansion.english])


def _situation_text(matter: Matter, expansion: Expansion = _NO_EXPANSION) -> str:
    return " ".join([*matter.situations, *expansion.situations])


def _body_text(matter: Matter) -> str:
    parts = [
        matter.department,
        *matter.service_objects,
        *matter.conditions,
        *(m.name for m in matter.materials),
        *(s.name + s.description for s in matter.process),
        matter.result.name if matter.result else "",
        *matter.themes,
    ]
    return " ".join(parts)


def _core_name(matter: Matter) -> str:
    """The official name without bracketed notes and generic action words."""
    return GENERIC_ACTIONS.sub("", matter.name) or matter.name


def _core_base(name: str) -> str:
    """A name without brackets, generic action words and 办理: what twins share."""
    return GENERIC_ACTIONS.sub("", name).replace("办理", "") or name


def _interned(terms: list[str]) -> list[str]:
    """``terms`` as the interpreter's one shared string per distinct term."""
    return [sys.intern(term) for term in terms]


def _unique(terms: list[str]) -> list[str]:
    """``terms`` with repeats removed, first occurrences kept in order."""
    return list(dict.fromkeys(terms))


def _char_bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for name in text.split():
        chars = [c for c in normalize(name) if has_han(c)]
        grams.extend(bigrams(chars))
    return grams


class _PieceMemo:
    """jieba tokens and pinyin keys of each whitespace-separated piece, computed once.

    Lives for one rebuild. A region's list repeats the same conditions, materials and steps
    for every district, so most pieces recur: each is segmented and transliterated once.
    Working piece by piece gives the same terms as the whole text, since jieba and
    :func:`~knowledge.text.pinyin_keys` both cut at whitespace.
    """

    def __init__(self, tokenizer: ChineseTokenizer) -> None:
        self._tokenizer = tokenizer
        self._tokens: dict[str, list[str]] = {}
        self._keys: dict[str, list[str]] = {}

    def tokens(self, text: str) -> list[str]:
        """``tokenizer.tokens(text)``."""
        out: list[str] = []
        for piece in text.split():
            found = self._tokens.get(piece)
            if found is None:
                found = self._tokens[piece] = self._tokenizer.tokens(piece)
            out.extend(found)
        return out

    def keys(self, text: str) -> list[str]:
        """``pinyin_keys(text)``."""
        out: list[str] = []
        for piece in text.split():
            found = self._keys.get(piece)
            if found is None:
                found = self._keys[piece] = pinyin_keys(piece)
            out.extend(found)
        return out

    def piece_bigrams(self, text: str) -> list[str]:
        """Pinyin key bigrams within each piece (a name, a situation), never across two."""
        grams: list[str] = []
        for piece in text.split():
            grams.extend(bigrams(self.keys(piece)))
        return grams


def _shared_weights(
    channels: Sequence[Bm25Channel], terms: dict[str, list[str]]
) -> dict[str, float]:
    """Channel weights for one query, shared out by how much of it each channel knows.

    Each weight is scaled by the channel's :meth:`~Bm25Channel.known_share` of the query's
    terms, then all are rescaled to the sum of :data:`CHANNEL_WEIGHTS`; a query no channel
    knows keeps the configured weights.
    """
    base = {channel.name: CHANNEL_WEIGHTS[channel.name] for channel in channels}
    seen = {c.name: base[c.name] * c.known_share(terms[c.name]) for c in channels}
    if sum(seen.values()) <= 0:
        return base
    scale = sum(base.values()) / sum(seen.values())
    return {name: weight * scale for name, weight in seen.items()}


@dataclass(frozen=True)
class _Snapshot:
    tokenizer: ChineseTokenizer  # its dictionary holds these matters' names
    matters: tuple[Matter, ...]
    channels: tuple[Bm25Channel, ...]
    dense: DenseChannel | None
    # folded pinyin syllable bigrams of each matter's names and body, for coverage
    name_keys: tuple[SortedKeys, ...]
    situation_keys: tuple[SortedKeys, ...]
    body_keys: tuple[SortedKeys, ...]
    english_words: tuple[frozenset[str], ...]
    core_keys: tuple[frozenset[str], ...]
    lookup: tuple[bool, ...]  # look-up matters (QUERY_MATTER)
    by_code: dict[str, Matter]


@dataclass(frozen=True)
class _Derived:
    """One matter's share of the index: terms per channel, coverage keys, dense passage."""

    names: list[str]
    chars: list[str]
    pinyin: list[str]
    situations: list[str]
    situations_pinyin: list[str]
    body: list[str]
    body_pinyin: list[str]
    name_keys: SortedKeys
    situation_keys: SortedKeys
    body_keys: SortedKeys
    english_words: frozenset[str]
    core_keys: frozenset[str]
    passages: tuple[str, ...]


def _fingerprint(matter: Matter) -> tuple[object, ...]:
    """Identifies a matter's content: code, published version and time of that version.

    Matters that do not come from the store (no ``updated_at``) are fingerprinted by their
    whole content.
    """
    if matter.updated_at is not None:
        return (matter.code, matter.version, matter.updated_at)
    return (matter.code, matter.version, matter.model_dump_json())


def _words_digest(words: set[str]) -> str:
    """sha256 (hex) of the tokenizer's extra ``words``, independent of their order."""
    return hashlib.sha256("\n".join(sorted(words)).encode("utf-8")).hexdigest()


def _terms_of(
    matters: Sequence[Matter], derived: dict[str, _Derived], channel: str
) -> Callable[[int], list[str]]:
    """The terms of the matter at a position for ``channel`` (a :class:`_Derived` field)."""

    def terms(position: int) -> list[str]:
        found: list[str] = getattr(derived[matters[position].code], channel)
        return found

    return terms


def _empty_snapshot() -> _Snapshot:
    return _Snapshot(ChineseTokenizer(), (), (), None, (), (), (), (), (), (), {})


def semantic_match(cosine: float, *, cross_lingual: bool = False) -> float:
    """An e5 cosine mapped onto [0, 1] between :data:`SEMANTIC_LOW` and :data:`SEMANTIC_HIGH`.

    ``cross_lingual`` (an English question) moves the band down by
    :data:`CROSS_LINGUAL_SHIFT`.
    """
    shift = CROSS_LINGUAL_SHIFT if cross_lingual else 0.0
    low, high = SEMANTIC_LOW - shift, SEMANTIC_HIGH - shift
    return min(1.0, max(0.0, (cosine - low) / (high - low)))


def _twin_base(name: str) -> str | None:
    """For a progress-query matter ("居住证办理进度查询") the name it queries, else None."""
    base = _QUERY_SUFFIX.sub("", name)
    return base if base != name and len(base) >= 2 else None


class HybridRetriever:
    """Retrieve matters for a citizen's question.

    Usage example::

        retriever = HybridRetriever(embedder=E5Embedder(), thesaurus=Thesaurus.load())
        retriever.warm_up()
        retriever.rebuild(store.published())
        hits = retriever.search("身份证丢了怎么补办", k=5)   # list[Hit], best first

    Thread-safe: a rebuild swaps in a new immutable snapshot (index and the tokenizer whose
    dictionary it was built with) in one assignment; a search reads one snapshot throughout.
    """

    def __init__(
        self,
        *,
        embedder: RetrievalEmbedder | None = None,
        dense_weight: float = 10.0,
        thesaurus: Thesaurus | None = None,
        vector_cache: MatterVectorCache | None = None,
        derived_cache: DerivedTermsCache | None = None,
    ) -> None:
        """Create an empty retriever.

        Args:
            embedder: enables the dense (semantic) channel if it loads.
            dense_weight: weight of the calibrated dense score beside the lexical channels.
            thesaurus: colloquial terms, life events and English glossary applied at index
                time; None applies none.
            vector_cache: where passage vectors are kept between rebuilds and restarts.
            derived_cache: where each matter's derived index terms are kept between
                restarts (the node's disk); None keeps them in memory only.
        """
        self._embedder = embedder
        self._dense_weight = dense_weight
        self._thesaurus = thesaurus
        self._vector_cache = vector_cache
        self._snapshot = _empty_snapshot()
        self._rebuild_lock = threading.Lock()
        self._tokenizer = ChineseTokenizer()
        self._tokenizer_words: set[str] = set()
        self._derived: dict[tuple[object, ...], _Derived] = {}
        self._derived_cache = derived_cache
        self._builders = tuple(Bm25Builder(name, b=b) for name, b in CHANNEL_B.items())
        self._vectors: dict[str, Vectors] = {}
        self._built_at = 0.0
        self._naming: (
            tuple[_Snapshot, frozenset[str], frozenset[str], dict[str, int]] | None
        ) = None

    # -- life cycle -----------------------------------------------------------------------------

    @property
    def built_at(self) -> float:
        """Unix time (s) of the last rebuild, publishes included; 0.0 before the first."""
        return self._built_at

    def dense_status(self) -> ComponentStatus:
        """Whether the dense channel is live, and why not."""
        if self._embedder is None:
            return ComponentStatus(
                available=False, reason="semantic channel off (knowledge.semantic_channel)"
            )
        return self._embedder.status()

    def warm_up(self) -> None:
        """Load the embedding model (if any) so the next rebuild includes the dense channel."""
        if self._embedder is not None:
            self._embedder.warm_up()

    def rebuild(self, matters: Sequence[Matter]) -> None:
        """Index ``matters`` (the published ones) and swap the new index in atomically.

        What each matter contributes (terms of every channel, coverage keys, passage, its
        vector) is kept between rebuilds under the matter's fingerprint, so a publish
        derives and embeds only the matters that changed; the jieba dictionary only grows.
        The BM25 channels keep each matter's term ids under its fingerprint
        (:class:`~knowledge.index.bm25.Bm25Builder`): a channel is indexed again from ids,
        and not at all when none of its matters' terms changed.
        """
        started = time.perf_counter()
        with self._rebuild_lock:
            tokenizer = self._tokenizer
            keys = [_fingerprint(m) for m in matters]
            # every matter of the last build (self._derived) had its words added then
            words = {
                normalize(w)
                for m, key in zip(matters, keys, strict=True)
                if key not in self._derived
                for w in [*m.names, m.department, *m.themes]
            } - self._tokenizer_words
            if words:
                tokenizer.add_words(words)
                self._tokenizer_words |= words
            tokenizer.warm_up()
            memo = _PieceMemo(tokenizer)
            disk = self._derived_cache
            # the dictionary words the file's terms were derived under (only a file needs it)
            words_digest = "" if disk is None else _words_digest(self._tokenizer_words)
            if not self._derived and disk is not None:
                # another worker's or a restart's, derived under the same dictionary words
                self._derived = disk.load(words_digest)
            cache = self._derived
            fresh: dict[tuple[object, ...], _Derived] = {}
            derived: dict[str, _Derived] = {}
            for m, key in zip(matters, keys, strict=True):
                found = cache.get(key) or fresh.get(key)
                if found is None:
                    found = fresh[key] = self._derive(m, memo)
                derived[m.code] = found
            self._derived = {key: derived[m.code] for m, key in zip(matters, keys, strict=True)}
            if fresh and disk is not None:
                disk.keep(self._derived, words_digest, len(fresh))
            channels = tuple(
                builder.build(keys, _terms_of(matters, derived, builder.name))
                for builder in self._builders
            )
            dense: DenseChannel | None = None
            if self._embedder is not None and self._embedder.status().available:
                dense = DenseChannel(self._embedder, cache=self._vector_cache, memory=self._vectors)
                dense.build([derived[m.code].passages for m in matters], roles=VIEW_ROLES)
            snapshot = _Snapshot(
                tokenizer=tokenizer,
                matters=tuple(matters),
                channels=channels,
                dense=dense,
                name_keys=tuple(derived[m.code].name_keys for m in matters),
                situation_keys=tuple(derived[m.code].situation_keys for m in matters),
                body_keys=tuple(derived[m.code].body_keys for m in matters),
                english_words=tuple(derived[m.code].english_words for m in matters),
                core_keys=tuple(derived[m.code].core_keys for m in matters),
                lookup=tuple(QUERY_MATTER.search(m.name) is not None for m in matters),
                by_code={m.code: m for m in matters},
            )
            self._snapshot = snapshot
            self._built_at = time.time()
        logger.info(
            "retrieval index built",
            extra={
                "matters": len(matters),
                "derived": len(fresh),
                "dense": dense is not None,
                "embedded": dense.embedded if dense is not None else 0,
                "ms": (time.perf_counter() - started) * 1000,
            },
        )

    def _derive(self, m: Matter, memo: _PieceMemo) -> _Derived:
        """Everything the index needs of one matter (thesaurus applied)."""
        expansion = self._thesaurus.expand(m) if self._thesaurus is not None else _NO_EXPANSION
        names = _name_text(m, expansion)
        situations = _situation_text(m, expansion)
        english = _english_text(m, expansion)
        body = _body_text(m)
        # Name-like fields count each term once: a matter must not outrank another for
        # listing more aliases that repeat the same word (居住证签注 vs 居住证申领).
        # Terms are interned: a region's matters repeat the same words, and one string per
        # distinct term instead of per occurrence keeps a 10,000-matter index smaller.
        return _Derived(
            names=_interned(_unique(memo.tokens(names + " " + english))),
            chars=_interned(_unique(_char_bigrams(names))),
            pinyin=_interned(_unique(memo.piece_bigrams(names))),
            situations=_interned(_unique(memo.tokens(situations))),
            situations_pinyin=_interned(_unique(memo.piece_bigrams(situations))),
            body=_interned(memo.tokens(body)),
            body_pinyin=_interned(memo.piece_bigrams(body)),
            name_keys=SortedKeys(_interned(memo.piece_bigrams(names))),
            situation_keys=SortedKeys(_interned(memo.piece_bigrams(situations))),
            body_keys=SortedKeys(_interned(bigrams(memo.keys(body)))),
            english_words=frozenset(_interned(memo.tokens(english))),
            core_keys=frozenset(_interned(bigrams(pinyin_keys(_core_name(m))))),
            passages=matter_views(m, expansion),
        )

    @property
    def size(self) -> int:
        """Number of indexed matters."""
        return len(self._snapshot.matters)

    def matters(self) -> list[Matter]:
        """The indexed (published) matters, ordered by code."""
        return list(self._snapshot.matters)

    def matter(self, code: str) -> Matter | None:
        """The indexed (published) matter with ``code``, if any."""
        return self._snapshot.by_code.get(code)

    def content_chars(self, text: str) -> str:
        """``text`` without function words and punctuation, by the current index's tokenizer."""
        return self._snapshot.tokenizer.content_chars(text)

    def naming_share(self, text: str, codes: Sequence[str]) -> list[float] | None:
        """How much of what ``text`` could name each matter of ``codes`` names, in [0, 1].

        The text's content syllable pairs (folded pinyin bigrams, as coverage reads them;
        for text without Chinese, its stemmed English words) are kept only where some
        indexed matter's names, aliases or life situations (English names) hold them: a
        pair no matter is named by ("得花", "上办") names nothing. Each matter's share is
        the part of those pairs its own names hold, a pair only its situations hold
        counting :data:`SITUATION_WEIGHT` as in coverage; an unknown code gets 0.0.

        Returns:
            One share per code, in order; None when the text holds no naming pair at all.

        Used to tell a follow-up that names a matter of its own from one about the matter
        under discussion (issue 8: follow-ups stay on the matter under discussion).
        """
        snapshot = self._snapshot
        tokenizer = snapshot.tokenizer
        content = tokenizer.content_chars(text)
        english = not has_han(content)
        keys = set(tokenizer.tokens(text) if english else bigrams(pinyin_keys(content)))
        vocabulary, positions = self._naming_index(snapshot, english=english)
        naming = keys & vocabulary
        if not naming:
            return None
        shares: list[float] = []
        for code in codes:
            i = positions.get(code)
            if i is None:
                shares.append(0.0)
                continue
            names: Collection[str]
            situations: Collection[str]
            if english:
                names, situations = snapshot.english_words[i], frozenset[str]()
            else:
                names, situations = snapshot.name_keys[i], snapshot.situation_keys[i]
            held = sum(
                1.0 if key in names else SITUATION_WEIGHT if key in situations else 0.0
                for key in naming
            )
            shares.append(round(held / len(naming), 4))
        return shares

    def semantic_matches(self, text: str, codes: Sequence[str]) -> list[float] | None:
        """The calibrated semantic match of ``text`` to each matter of ``codes``, in [0, 1].

        The same measure as ``Hit.semantic`` (:func:`semantic_match` of the e5 cosine, the
        band moved for text without Chinese); an unknown code gets 0.0. None when the
        semantic channel is off. The query vector is the one :meth:`search` cached.
        """
        snapshot = self._snapshot
        if snapshot.dense is None or not text.strip():
            return None
        english = not has_han(snapshot.tokenizer.content_chars(text))
        cosines = self._cosines(snapshot.dense, text, english=english)
        _, positions = self._naming_index(snapshot, english=english)
        return [
            round(semantic_match(float(cosines[i]), cross_lingual=english), 4)
            if (i := positions.get(code)) is not None
            else 0.0
            for code in codes
        ]

    def _naming_index(
        self, snapshot: _Snapshot, *, english: bool
    ) -> tuple[frozenset[str], dict[str, int]]:
        """The keys some matter of ``snapshot`` is named by, and each matter's position.

        Chinese: pinyin pairs of names and situations; ``english``: English name words.
        Built on first use after a rebuild, then cached.
        """
        cached = self._naming
        if cached is None or cached[0] is not snapshot:
            chinese = frozenset[str]().union(*snapshot.name_keys, *snapshot.situation_keys)
            words = frozenset[str]().union(*snapshot.english_words)
            positions = {m.code: i for i, m in enumerate(snapshot.matters)}
            cached = self._naming = (snapshot, chinese, words, positions)
        return (cached[2] if english else cached[1]), cached[3]

    # -- search -----------------------------------------------------------------------------------

    def search(self, query: str, *, k: int = 5) -> list[Hit]:
        """Return up to ``k`` matters for ``query``, best first.

        Lexical channels are fused as the module docstring says; the dense channel's cosine
        is calibrated per question (best matter 1, the matter at :data:`DENSE_FLOOR_RANK` 0)
        and added with its weight, the lexical part scaled by :func:`lexical_trust` of the
        best coverage among the candidates; the best fused candidates and the dense channel's best
        are reranked by coverage and name fit; progress-query twins are ordered by whether
        the question asks for progress.

        Args:
            query: citizen text (already screened; personal data redacted).
            k: number of hits, ≥ 1.

        Returns:
            Hits sorted by descending score in [0, 1], typed per channel.

        Raises:
            ValueError: ``k`` < 1.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        snapshot = self._snapshot
        tokenizer = snapshot.tokenizer
        size = len(snapshot.matters)
        if not size:
            return []
        content = tokenizer.content_chars(query)
        words = tokenizer.tokens(query)
        sounds = bigrams(pinyin_keys(content))
        terms = {
            "names": words,
            "chars": _char_bigrams(content),
            "pinyin": sounds,
            "situations": words,
            "situations_pinyin": sounds,
            "body": words,
            "body_pinyin": sounds,
        }
        if has_han(content):
            query_keys, english = sounds, False
        else:
            query_keys, english = words, True
        lexical = np.zeros(size, dtype=np.float32)
        per_channel: dict[str, npt.NDArray[np.float32]] = {}
        weights = _shared_weights(snapshot.channels, terms)
        lexical_weight = sum(CHANNEL_WEIGHTS[channel.name] for channel in snapshot.channels)
        for channel in snapshot.channels:
            scores = channel.scores(terms[channel.name])
            best = float(scores.max()) if scores.size else 0.0
            if best > 0:
                scores = scores / best
                lexical += weights[channel.name] * scores
            per_channel[channel.name] = scores
        covered: dict[int, tuple[float, float]] = {}

        def coverage_of(position: int) -> tuple[float, float]:
            found = covered.get(position)
            if found is None:
                found = covered[position] = self._coverage(
                    query_keys, snapshot, position, english=english
                )
            return found

        cosines: npt.NDArray[np.float32] | None = None
        dense_order: npt.NDArray[np.intp] | None = None
        if snapshot.dense is not None and query.strip():
            cosines = self._cosines(snapshot.dense, query, english=english)
            dense_order = np.argsort(-cosines, kind="stable")
            top = float(cosines[dense_order[0]])
            floor = float(cosines[dense_order[min(size - 1, DENSE_FLOOR_RANK)]])
            calibrated = np.zeros(size, dtype=np.float32)
            if top > floor:
                calibrated = np.clip((cosines - floor) / (top - floor), 0, 1).astype(np.float32)
            dense = np.asarray(self._dense_weight * calibrated, dtype=np.float32)
            # How far the words can be trusted: the best coverage among the candidates the
            # channels would rerank at full lexical weight.
            first = _candidates(lexical + dense, dense_order, k)
            trust = lexical_trust(max((coverage_of(p)[0] for p in first), default=0.0))
            total = trust * lexical_weight + self._dense_weight
            fused = np.asarray((trust * lexical + dense) / total, dtype=np.float32)
        else:
            fused = np.asarray(lexical / lexical_weight, dtype=np.float32)
        # Rerank the best candidates by how much of the question each one explains.
        candidates = _candidates(fused, dense_order, k)
        query_set = set(query_keys)
        asks_query = any(cue in normalize(query) for cue in TWIN_QUERY_CUES)
        scored: list[tuple[float, float, float, int]] = []
        for position in candidates:
            if fused[position] <= 0:
                continue
            coverage, matched = coverage_of(position)
            final = (1 - COVERAGE_WEIGHT) * float(fused[position]) + COVERAGE_WEIGHT * coverage
            core = snapshot.core_keys[position]
            if core and not english:
                final += NAME_FIT_WEIGHT * len(core & query_set) / len(core)
            if not asks_query and snapshot.lookup[position]:
                final -= QUERY_MATTER_PENALTY
            scored.append((final, coverage, matched, position))
        scored.sort(key=lambda item: -item[0])
        scored = self._order_twins(scored, snapshot, asks_query=asks_query)
        dense_ranks: dict[int, int] = {}
        if dense_order is not None:
            dense_ranks = {int(p): rank for rank, p in enumerate(dense_order[:RERANK_DEPTH], 1)}
        hits: list[Hit] = []
        best = scored[0][0] if scored else 1.0
        for final, coverage, matched, position in scored[:k]:
            final = final / best if best > 1.0 else final
            cosine = float(cosines[position]) if cosines is not None else None
            semantic = semantic_match(cosine, cross_lingual=english) if cosine is not None else 0.0
            channels = ChannelScores(
                **{name: float(s[position]) for name, s in per_channel.items()},
                dense=cosine,
                dense_rank=dense_ranks.get(position) if cosines is not None else None,
            )
            hits.append(
                Hit(
                    matter=snapshot.matters[position],
                    score=round(max(final, 0.0), 4),
                    coverage=min(1.0, coverage),
                    matched=matched,
                    semantic=round(semantic, 4),
                    channels=channels,
                )
            )
        return hits

    def _cosines(
        self, dense: DenseChannel, query: str, *, english: bool
    ) -> npt.NDArray[np.float32]:
        """Cosine of the question to every matter, shape ``(matters,)``.

        An English question with glossary words is also embedded as its Chinese gist (the
        glossary's official words, :meth:`~knowledge.thesaurus.Thesaurus.gloss`); its cosine
        joins with :data:`GLOSS_WEIGHT`.
        """
        cosines = dense.scores(query)
        if not english or self._thesaurus is None:
            return cosines
        gist = self._thesaurus.gloss(query)
        if not gist:
            return cosines
        blended = (cosines + GLOSS_WEIGHT * dense.scores(" ".join(gist))) / (1 + GLOSS_WEIGHT)
        return np.asarray(blended, dtype=np.float32)

    @staticmethod
    def _order_twins(
        scored: list[tuple[float, float, float, int]], snapshot: _Snapshot, *, asks_query: bool
    ) -> list[tuple[float, float, float, int]]:
        """Order a matter and its own progress query ("…查询") by what the question asks.

        When both are among the best three, the query matter goes first if the question
        asks for progress or a query (:data:`TWIN_QUERY_CUES`), the matter itself otherwise.
        """
        head = scored[:3]
        for i, (_, _, _, p) in enumerate(head):
            base = _twin_base(snapshot.matters[p].name)
            if base is None:
                continue
            for j, (_, _, _, q) in enumerate(head):
                if i == j or _core_base(snapshot.matters[q].name) != _core_base(base):
                    continue
                query_first = i < j
                if query_first != asks_query:
                    head[i], head[j] = head[j], head[i]
                return [*head, *scored[3:]]
        return scored

    @staticmethod
    def _coverage(
        query_keys: list[str], snapshot: _Snapshot, position: int, *, english: bool
    ) -> tuple[float, float]:
        """How much of the query the matter explains: (share, weighted count of keys).

        Names count fully, situations 0.8, body text 0.6. Chinese queries compare pinyin
        syllable bigrams; English ones, word stems.
        """
        if not query_keys:
            return 0.0, 0.0
        if english:
            words = snapshot.english_words[position]
            found = float(sum(1 for key in query_keys if key in words))
        else:
            names = snapshot.name_keys[position]
            situations = snapshot.situation_keys[position]
            body = snapshot.body_keys[position]
            found = sum(
                1.0 if holds(names, key)
                else SITUATION_WEIGHT if holds(situations, key)
                else BODY_WEIGHT if holds(body, key)
                else 0.0
                for key in query_keys
            )
        return round(found / len(query_keys), 4), round(found, 2)
