"""Output rail ``label``: every answer says "AI生成，仅供参考" on screen and in speech.

GB/T 47483 §9.4.1 c.
"""

from __future__ import annotations

from guardrails.models import AI_LABEL, RailVerdict
from guardrails.rails.base import OutputState, verdict


def with_label(text: str, spoken: bool) -> str:
    """``text`` ending with the label exactly once."""
    stripped = text.rstrip()
    if stripped.endswith(AI_LABEL) or stripped.endswith(AI_LABEL + "。"):
        return stripped
    if spoken:
        sep = "" if not stripped or stripped[-1] in "。！？.!?" else "。"
        return f"{stripped}{sep}{AI_LABEL}。"
    return f"{stripped}\n\n{AI_LABEL}" if stripped else AI_LABEL


class LabelRail:
    """Appends the label to the screen text and the spoken text."""

    name = "label"

    def check(self, state: OutputState) -> RailVerdict:
        """Label both texts (idempotent)."""
        state.screen_text = with_label(state.screen_text, spoken=False)
        state.spoken_text = with_label(state.spoken_text, spoken=True)
        return verdict("output", self.name)
