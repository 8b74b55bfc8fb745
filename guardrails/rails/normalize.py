"""Input rail ``normalize``: NFKC (full-width → half-width) and collapsed whitespace."""

from __future__ import annotations

from guardrails.folding import normalize_display
from guardrails.models import RailVerdict
from guardrails.rails.base import InputState, verdict


class NormalizeRail:
    """Rewrites the working text to its display-normal form; always allows."""

    name = "normalize"

    def screen(self, state: InputState) -> RailVerdict:
        """Normalize ``state.text`` in place."""
        state.text = normalize_display(state.text)
        return verdict("input", self.name)
