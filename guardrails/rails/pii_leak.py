"""Output rail ``pii_leak``: an answer never carries personal data (§9.4.1 d).

Only what the answer *adds* is checked: a span whose text occurs in the cited matters' own
text (the grounding texts) is official wording — ``本人银行账户``, the consultation phone, a
department's address — and is never redacted, so the rail cannot corrupt a matter's text.
"""

from __future__ import annotations

from collections.abc import Mapping

from guardrails.models import Decision, PiiSpan, PiiType, RailVerdict
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.pii.redact import apply_redaction
from guardrails.rails.base import OutputState, verdict
from guardrails.reasons import ReasonCode


class PiiLeakRail:
    """Redacts personal data the answer adds to its sources, and flags the answer."""

    name = "pii_leak"

    def __init__(self, analyzer: PiiAnalyzer, placeholders: Mapping[PiiType, str]) -> None:
        self._analyzer = analyzer
        self._placeholders = placeholders

    def added(self, text: str, grounding: list[str]) -> list[PiiSpan]:
        """Spans of ``text`` whose value does not occur in any grounding (matter) text.

        Args:
            text: Screen or spoken text of the answer.
            grounding: The cited matters' text.

        Returns:
            The spans to redact (type and position in ``text``).
        """
        return [
            span for span in self._analyzer.analyze(text)
            if not any(text[span.start : span.end] in source for source in grounding)
        ]  # fmt: skip

    def check(self, state: OutputState) -> RailVerdict:
        """Redact screen and spoken text when the answer adds personal data."""
        screen = self.added(state.screen_text, state.grounding_texts)
        spoken = self.added(state.spoken_text, state.grounding_texts)
        if not screen and not spoken:
            return verdict("output", self.name)
        state.screen_text = apply_redaction(state.screen_text, screen, self._placeholders)
        state.spoken_text = apply_redaction(state.spoken_text, spoken, self._placeholders)
        state.flagged = True
        return verdict("output", self.name, Decision.REDACT, ReasonCode.PII_LEAK)
