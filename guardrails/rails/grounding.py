"""Output rail ``grounding``: every figure in an answer traces to a fact of the cited matter.

Time limits, fees, dates, times of day, phones, counts and other numbers are extracted from the
answer as typed facts (:mod:`guardrails.facts`; ``十五个工作日`` is 15 working days) and each must
equal a fact of the same kind in the grounding texts — the cited matter's content, not its
code, version or timestamps. ``承诺7个工作日`` for a matter promising 5 working days, or
``收费27元`` for a free one, is ungrounded even when a ``7`` or a ``27`` occurs elsewhere in
the matter. List markers (``1.``, ``第2步``) and official channels (``12345``) are exempt.
An answer with an ungrounded figure is replaced by the extractive fallback and flagged (the
issue's rule; DESIGN "grounding").
"""

from __future__ import annotations

from collections.abc import Iterable

from guardrails.facts import Fact, FactKind, arabic_numerals, extract_facts, numbers_in
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import OutputState, verdict
from guardrails.reasons import ReasonCode

__all__ = ["GroundingRail", "arabic_numerals", "numbers_in", "grounded"]


def grounded(fact: Fact, sources: list[Fact], source_numbers: set[str], exempt: set[str]) -> bool:
    """True when ``fact`` of an answer is supported by the facts of the grounding texts.

    Args:
        fact: A figure of the answer.
        sources: Facts of the grounding texts.
        source_numbers: Every digit token of the grounding texts.
        exempt: Numbers allowed anywhere (the hotline).

    Returns:
        Durations need the same value and unit; fees the same amount in yuan; dates the same
        date (a year or month only needs a source date in it); phones the same digits (with or
        without the area code); other numbers any source figure of the same value.
    """
    if fact.value in exempt or fact.surface in exempt:
        return True
    if fact.kind is FactKind.NUMBER:
        return fact.value in source_numbers or any(s.value == fact.value for s in sources)
    for source in sources:
        if source.kind is not fact.kind:
            continue
        if fact.kind is FactKind.DATE and source.value.startswith(fact.value):
            return True
        if fact.kind is FactKind.PHONE and (
            source.value.endswith(fact.value) or fact.value.endswith(source.value)
        ):
            return True
        if fact.kind is FactKind.DURATION and source.unit != fact.unit:
            continue
        if source.value == fact.value:
            return True
    return False


class GroundingRail:
    """Replaces an answer with a figure that no fact of its grounding texts supports."""

    name = "grounding"

    def __init__(self, exempt: Iterable[str], unavailable_zh: str) -> None:
        self._exempt = set(exempt)
        self._unavailable = unavailable_zh

    def ungrounded(self, text: str, grounding_texts: list[str]) -> set[str]:
        """Figures of ``text`` (as written) not supported by the facts of ``grounding_texts``."""
        sources = [fact for source in grounding_texts for fact in extract_facts(source)]
        numbers = set(self._exempt)
        for source in grounding_texts:
            numbers |= numbers_in(source)
        return {
            fact.surface
            for fact in extract_facts(text, skip_list_markers=True)
            if not grounded(fact, sources, numbers, self._exempt)
        }

    def check(self, state: OutputState) -> RailVerdict:
        """Fall back (or give the safe message) when any figure is ungrounded."""
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
