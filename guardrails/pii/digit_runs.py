"""Identifiers written in pieces: digit groups split by spaces or dashes, in any grouping.

``1101 0119 9003 0775 78``, ``110101-19900307-7578``, ``110101 1990 0307 7578``,
``1381 234 5678`` and ``6222 0212 3456 7890 123`` are each one identifier. The recognizer
finds runs of digit groups, and classifies every contiguous stretch of groups by its check
digits: a GB 11643 citizen identity number (18 characters with a valid birth date and
ISO 7064 MOD 11-2 check character, or 15 digits with a valid birth date), a mobile number
(11 digits, ``1[3-9]…``), a bank card (13–19 digits passing Luhn, ISO/IEC 7812-1). The
analyzer runs it on the digit view (full-width and spoken digits already made ASCII).
"""

from __future__ import annotations

import re

from guardrails.models import PiiSpan, PiiType
from guardrails.pii.checksums import gb11643_15_valid, gb11643_valid, luhn_valid

_GROUP = re.compile(r"\d+[Xx]?")
_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ \t\-]{1,2}\d+)+(?:[Xx])?(?![0-9A-Za-z])")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def classify(value: str) -> tuple[PiiType, float] | None:
    """The identifier type and score of ``value`` (separators removed), or None.

    Args:
        value: Digits, possibly ending in ``X``.

    Returns:
        ``(type, score)``: an ID number (GB 11643) 1.0 / 0.8 for the old 15-digit form, a
        mobile number 0.9, a Luhn-valid bank card 0.95.
    """
    if gb11643_valid(value):
        return PiiType.ID_NUMBER, 1.0
    if not value.isdigit():
        return None
    if len(value) == 15 and gb11643_15_valid(value):
        return PiiType.ID_NUMBER, 0.8
    if _MOBILE.fullmatch(value):
        return PiiType.PHONE, 0.9
    if luhn_valid(value) and len(value) >= 15:
        return PiiType.BANK_CARD, 0.95
    return None


class DigitRunRecognizer:
    """Identifiers split into digit groups by spaces or dashes, in any grouping."""

    name = "digit_run"

    def analyze(self, text: str) -> list[PiiSpan]:
        """Spans of the longest valid stretches of groups in each run of digit groups."""
        spans: list[PiiSpan] = []
        for run in _RUN.finditer(text):
            groups = [(m.start() + run.start(), m.end() + run.start(), m.group())
                      for m in _GROUP.finditer(run.group())]  # fmt: skip
            spans += self._stretches(groups)
        return spans

    def _stretches(self, groups: list[tuple[int, int, str]]) -> list[PiiSpan]:
        found: list[PiiSpan] = []
        index = 0
        while index < len(groups):
            best: tuple[int, PiiType, float] | None = None
            for last in range(len(groups) - 1, index, -1):  # longest stretch first
                value = "".join(g[2] for g in groups[index : last + 1])
                if len(value) > 19:
                    continue
                kind = classify(value)
                if kind is not None:
                    best = (last, *kind)
                    break
            if best is None:
                index += 1
                continue
            last, kind_type, score = best
            found.append(
                PiiSpan(type=kind_type, start=groups[index][0], end=groups[last][1],
                        score=score, recognizer=self.name)
            )  # fmt: skip
            index = last + 1
        return found
