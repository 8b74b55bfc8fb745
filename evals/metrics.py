"""Evaluation metrics: top-k accuracy (recall@k with one relevant item), MRR, percentiles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np


def rank_of(expected: str, ranked: Sequence[str]) -> int | None:
    """1-based rank of ``expected`` in ``ranked``, or ``None`` when absent."""
    for position, item in enumerate(ranked, start=1):
        if item == expected:
            return position
    return None


def top_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose expected item is within the first ``k`` (recall@k)."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank, counting a miss as 0."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``; 0.0 when empty."""
    if not values:
        return 0.0
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance (substitutions, insertions, deletions each cost 1)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def character_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus CER: total character edits over total reference characters (spaces ignored)."""
    edits = total = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        r, h = ref.replace(" ", ""), hyp.replace(" ", "")
        edits += edit_distance(r, h)
        total += len(r)
    return edits / total if total else 0.0


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def plain_characters(text: str) -> str:
    """``text`` for scoring words, not typography.

    NFKC (full-width → ASCII), lower case, punctuation and spaces removed
    ("身份证，丢了?" → "身份证丢了").
    """
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def plain_character_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus CER over :func:`plain_characters` (the usual Mandarin ASR convention).

    :func:`character_error_rate` counts a "，" read back as "," as an error; this does not.
    """
    return character_error_rate([plain_characters(r) for r in references],
                                [plain_characters(h) for h in hypotheses])


def toneless_syllables(text: str) -> list[str]:
    """Toneless pinyin of each Chinese character of :func:`plain_characters` (pypinyin).

    Every other character stays itself: "身份证A" → ["shen", "fen", "zheng", "a"]. Characters
    are read one by one (a polyphone gets its most common reading on both sides).
    """
    from pypinyin import Style, pinyin

    out: list[str] = []
    for char in plain_characters(text):
        out.append(pinyin(char, style=Style.NORMAL)[0][0] if _HAN.match(char) else char)
    return out


def syllable_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus toneless-syllable error rate: edits over reference syllables.

    Separates hearing from writing: a recognizer that hears the syllables but picks
    homophones (深份证 for 身份证) or gets tones wrong scores a low rate here and a high CER.
    """
    edits = total = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        r, h = toneless_syllables(ref), toneless_syllables(hyp)
        edits += edit_distance(r, h)
        total += len(r)
    return edits / total if total else 0.0
