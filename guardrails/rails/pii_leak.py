"""Output rail ``pii_leak``: an answer never carries personal data (§9.4.1 d)."""

from __future__ import annotations

from collections.abc import Mapping

from guardrails.models import Decision, PiiType, RailVerdict
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.pii.redact import apply_redaction
from guardrails.rails.base import OutputState, verdict
from guardrails.reasons import ReasonCode


class PiiLeakRail:
    """Redacts personal data found in the answer and flags it."""

    name = "pii_leak"

    def __init__(self, analyzer: PiiAnalyzer, placeholders: Mapping[PiiType, str]) -> None:
        self._analyzer = analyzer
        self._placeholders = placeholders

    def check(self, state: OutputState) -> RailVerdict:
        """Redact screen and spoken text when spans are found."""
        screen = self._analyzer.analyze(state.screen_text)
        spoken = self._analyzer.analyze(state.spoken_text)
        if not screen and not spoken:
            return verdict("output", self.name)
        state.screen_text = apply_redaction(state.screen_text, screen, self._placeholders)
        state.spoken_text = apply_redaction(state.spoken_text, spoken, self._placeholders)
        state.flagged = True
        return verdict("output", self.name, Decision.REDACT, ReasonCode.PII_LEAK)
