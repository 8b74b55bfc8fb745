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
from guardrails.recent import RecentResults, digest


class PiiLeakRail:
    """Redacts personal data the answer adds to its sources, and flags the answer."""

    name = "pii_leak"

    def __init__(
        self,
        analyzer: PiiAnalyzer,
        placeholders: Mapping[PiiType, str],
        cache_size: int = 2048,
    ) -> None:
        """Build the rail over ``analyzer``.

        Args:
            analyzer: The personal-data analyzer (its recognizers are fixed once built).
            placeholders: Replacement text per personal-data type.
            cache_size: Answer texts whose spans are kept (0 disables the cache). A kiosk
                gives the same answer of the same matter all day; the analysis (jieba
                part-of-speech tagging for names) was a quarter of a turn's CPU. Keys are
                the SHA-256 digest of the text and values the spans' types and offsets,
                so the cache holds no text.
        """
        self._analyzer = analyzer
        self._placeholders = placeholders
        self._spans: RecentResults[tuple[PiiSpan, ...]] = RecentResults(cache_size)

    def forget_recent(self) -> None:
        """Forget the spans of recent answer texts (a bench times the work)."""
        self._spans.clear()

    def _analyze(self, text: str) -> tuple[PiiSpan, ...]:
        """The analyzer's spans of ``text``, from the cache when this text was seen."""
        key = digest(text)
        spans = self._spans.get(key)
        if spans is None:
            spans = tuple(self._analyzer.analyze(text))
            self._spans.put(key, spans)
        return spans

    def added(self, text: str, grounding: list[str]) -> list[PiiSpan]:
        """Spans of ``text`` whose value does not occur in any grounding (matter) text.

        Args:
            text: Screen or spoken text of the answer.
            grounding: The cited matters' text.

        Returns:
            The spans to redact (type and position in ``text``).
        """
        return [
            span for span in self._analyze(text)
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
