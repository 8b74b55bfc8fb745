"""Output rail ``grounding``: every number in an answer traces to the cited matter.

Numbers, fees, time limits, dates and phone numbers (``15个工作日``, ``20元``, ``2024年3月1日``,
``0571-12345678``, Chinese numerals such as ``十五个工作日``) are extracted from the answer and
must each occur among the numbers of the grounding texts (the cited matters' text). List
markers (``1.``, ``第2步``) and official channels (``12345``) are exempt. Otherwise the answer is
replaced by the extractive fallback and flagged (the issue's rule; DESIGN "grounding").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import OutputState, verdict
from guardrails.reasons import ReasonCode

_NUMBER = re.compile(r"\d+(?:[.\-]\d+)*")
_LIST_MARKER = re.compile(r"(?:^|\n)\s*[(（]?\d{1,2}[.、)）]|第\d{1,2}(?:步|项|条|点|个步骤)")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百千万]+(?=[个天日元份张年月周次小时分钟岁万角页本项])"
)


def _cn_to_int(token: str) -> int | None:
    total, section, digit = 0, 0, 0
    for char in token:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char == "万":
            total += (section + digit) * 10000
            section, digit = 0, 0
        elif char in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[char]
            digit = 0
        else:
            return None
    return total + section + digit


def arabic_numerals(text: str) -> str:
    """``text`` with Chinese numerals before a unit turned into Arabic ones (``十五个`` → ``15个``)."""

    def convert(match: re.Match[str]) -> str:
        value = _cn_to_int(match.group(0))
        return match.group(0) if value is None else str(value)

    return _CN_NUMBER.sub(convert, text)


def numbers_in(text: str, *, skip_list_markers: bool = False) -> set[str]:
    """Number tokens in ``text`` (digit runs, with ``.``/``-`` joins), Chinese numerals included."""
    converted = arabic_numerals(text)
    if skip_list_markers:
        converted = _LIST_MARKER.sub(" ", converted)
    tokens: set[str] = set()
    for token in _NUMBER.findall(converted):
        tokens.add(token)
        tokens.update(re.split(r"[.\-]", token))
    return tokens


class GroundingRail:
    """Replaces an answer whose numbers do not all occur in its grounding texts."""

    name = "grounding"

    def __init__(self, exempt: Iterable[str], unavailable_zh: str) -> None:
        self._exempt = set(exempt)
        self._unavailable = unavailable_zh

    def ungrounded(self, text: str, grounding_texts: list[str]) -> set[str]:
        """Number tokens of ``text`` missing from ``grounding_texts``."""
        allowed = set(self._exempt)
        for source in grounding_texts:
            allowed |= numbers_in(source)
        found = {token for token in _NUMBER.findall(_LIST_MARKER.sub(" ", arabic_numerals(text)))}
        return {t for t in found if t not in allowed and not set(re.split(r"[.\-]", t)) <= allowed}

    def check(self, state: OutputState) -> RailVerdict:
        """Fall back (or give the safe message) when any number is ungrounded."""
        texts = state.grounding_texts
        if not self.ungrounded(state.screen_text + "\n" + state.spoken_text, texts):
            return verdict("output", self.name)
        fallback = state.fallback
        if fallback is not None and not self.ungrounded(
            fallback.screen_text + "\n" + fallback.spoken_text, texts
        ):
            state.screen_text, state.spoken_text = fallback.screen_text, fallback.spoken_text
        else:
            state.screen_text = state.spoken_text = self._unavailable
        state.replaced = state.flagged = True
        return verdict("output", self.name, Decision.FLAG, ReasonCode.UNGROUNDED)
