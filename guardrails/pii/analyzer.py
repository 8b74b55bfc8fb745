"""The PII analyzer: runs every recognizer, keeps confident spans, resolves overlaps.

Spoken Chinese digits (``幺三八…``, ``一一零一…``; radio style 洞 0, 幺 1, 两 2, 拐 7, 勾 9)
in runs of seven or more are first mapped one character to one digit, so the numeric
recognizers see ``138…`` at the same positions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from guardrails.folding import FULLWIDTH_TO_ASCII
from guardrails.models import PiiSpan, PiiType
from guardrails.pii.recognizers import Recognizer
from guardrails.pii.redact import DEFAULT_PLACEHOLDERS, apply_redaction

_SPOKEN = "零〇洞一幺二两三四五六七拐八九勾"
_SPOKEN_DIGITS = str.maketrans(_SPOKEN + "叉", "0001122345677899X")
_SPOKEN_RUN = re.compile(f"[{_SPOKEN}0-9][{_SPOKEN}0-9\\s\\-]{{5,}}[{_SPOKEN}0-9叉Xx]")


def digit_view(text: str) -> str:
    """``text`` with full-width forms and runs of 7+ spoken digits made ASCII (same length)."""
    folded = text.translate(FULLWIDTH_TO_ASCII)
    return _SPOKEN_RUN.sub(lambda m: m.group(0).translate(_SPOKEN_DIGITS), folded)


class PiiAnalyzer:
    """Runs recognizers and returns non-overlapping spans above a threshold.

    Usage example::

        analyzer = PiiAnalyzer(predefined_recognizers(), threshold=0.5)
        analyzer.analyze("我叫张伟，电话13812345678")
        # [PiiSpan(type=name, start=2, end=4, ...), PiiSpan(type=phone, start=7, end=18, ...)]

    Args:
        recognizers: The recognizers to run.
        threshold: Minimum score in [0, 1] for a span to count.
        entities: Restrict to these types; None means all.
    """

    def __init__(
        self,
        recognizers: Sequence[Recognizer],
        threshold: float = 0.5,
        entities: Sequence[PiiType] | None = None,
    ) -> None:
        self._recognizers = list(recognizers)
        self._threshold = threshold
        self._entities = set(entities) if entities is not None else None

    def analyze(self, text: str) -> list[PiiSpan]:
        """Spans in ``text`` sorted by start; overlaps keep the higher score, then the longer."""
        view = digit_view(text)
        candidates = [
            span
            for recognizer in self._recognizers
            for span in recognizer.analyze(view)
            if span.score >= self._threshold
            and (self._entities is None or span.type in self._entities)
        ]
        candidates.sort(key=lambda s: (-s.score, -(s.end - s.start), s.start))
        kept: list[PiiSpan] = []
        for span in candidates:
            if all(span.end <= k.start or span.start >= k.end for k in kept):
                kept.append(span)
        return sorted(kept, key=lambda s: s.start)

    def redact(
        self, text: str, placeholders: Mapping[PiiType, str] = DEFAULT_PLACEHOLDERS
    ) -> str:
        """``text`` with every span :meth:`analyze` finds replaced by its type's placeholder."""
        return apply_redaction(text, self.analyze(text), placeholders)
