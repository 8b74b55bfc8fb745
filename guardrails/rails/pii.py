"""Input rail ``pii``: detect personal data and redact it (GB/T 47483 §9.4.1 d).

Spans are reported in characters of the *original* text (what ``daoban guard`` prints); the
working text is redacted, so no later stage, log or store ever sees the values.
"""

from __future__ import annotations

from collections.abc import Mapping

from guardrails.models import Decision, PiiType, RailVerdict
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.pii.redact import apply_redaction
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode


class PiiRail:
    """Redacts every span the analyzer finds; decision ``redact`` when any was found."""

    name = "pii"

    def __init__(self, analyzer: PiiAnalyzer, placeholders: Mapping[PiiType, str]) -> None:
        self._analyzer = analyzer
        self._placeholders = placeholders

    def screen(self, state: InputState) -> RailVerdict:
        """Find spans in the original and working text; redact the working text."""
        state.pii = self._analyzer.analyze(state.original)
        # The working text differs only when an earlier rail rewrote it (normalize).
        working = state.pii if state.text == state.original else self._analyzer.analyze(state.text)
        if not state.pii and not working:
            return verdict("input", self.name)
        state.text = apply_redaction(state.text, working, self._placeholders)
        return verdict("input", self.name, Decision.REDACT, ReasonCode.PII)
