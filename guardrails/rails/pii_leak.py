"""Output rail ``pii_leak``: an answer never carries personal data (§9.4.1 d)."""

from __future__ import annotations

from collections.abc import Mapping

from guardrails.models import Decision, PiiSpan, PiiType, RailVerdict
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.pii.redact import apply_redaction
from guardrails.rails.base import OutputState, verdict
from guardrails.reasons import ReasonCode


class PiiLeakRail:
    """Redacts personal data found in the answer and flags it; the consultation phones
    published in the cited matter are not personal data and stay.
    """

    name = "pii_leak"

    def __init__(self, analyzer: PiiAnalyzer, placeholders: Mapping[PiiType, str]) -> None:
        self._analyzer = analyzer
        self._placeholders = placeholders

    def _leaks(self, text: str, grounding: list[str]) -> list[PiiSpan]:
        """Spans of ``text``, except phone numbers published in the grounding (matter) text."""
        return [
            span
            for span in self._analyzer.analyze(text)
            if not (span.type is PiiType.PHONE
                    and any(text[span.start : span.end] in g for g in grounding))
        ]  # fmt: skip

    def check(self, state: OutputState) -> RailVerdict:
        """Redact screen and spoken text when spans are found."""
        screen = self._leaks(state.screen_text, state.grounding_texts)
        spoken = self._leaks(state.spoken_text, state.grounding_texts)
        if not screen and not spoken:
            return verdict("output", self.name)
        state.screen_text = apply_redaction(state.screen_text, screen, self._placeholders)
        state.spoken_text = apply_redaction(state.spoken_text, spoken, self._placeholders)
        state.flagged = True
        return verdict("output", self.name, Decision.REDACT, ReasonCode.PII_LEAK)
