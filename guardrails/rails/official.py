"""Output rail ``official``: no wording that presents the answer as an official decision.

GB/T 47483 §9.4.1 c: "避免用户将其误解为官方权威结论".
"""

from __future__ import annotations

from collections.abc import Iterable

from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import OutputState, verdict
from guardrails.reasons import ReasonCode

NEUTRAL_ZH = "（以办理部门的审核结果为准）"


class OfficialWordingRail:
    """Rewrites decision-like phrases to a neutral note and flags the answer."""

    name = "official"

    def __init__(self, phrases: Iterable[str]) -> None:
        self._phrases = sorted(set(phrases), key=len, reverse=True)

    def _rewrite(self, text: str) -> str:
        for phrase in self._phrases:
            text = text.replace(phrase, NEUTRAL_ZH)
        return text

    def check(self, state: OutputState) -> RailVerdict:
        """Flag and neutralise any official-decision phrase."""
        text = state.screen_text + state.spoken_text
        if not any(phrase in text for phrase in self._phrases):
            return verdict("output", self.name)
        state.screen_text = self._rewrite(state.screen_text)
        state.spoken_text = self._rewrite(state.spoken_text)
        state.flagged = True
        return verdict("output", self.name, Decision.FLAG, ReasonCode.OFFICIAL_WORDING)
