"""The rail plug-in contract and the working state a chain of rails passes along.

An input rail reads and may rewrite an :class:`InputState` (the redacted working text and the
spans found so far); an output rail reads and may rewrite an :class:`OutputState`. Each returns
one :class:`~guardrails.models.RailVerdict`. The states are mutable and live for one call only;
what leaves the package is the frozen :class:`ScreenedQuery` / :class:`GuardedAnswer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from guardrails.models import ActRequest, Decision, Draft, LexiconVia, PiiSpan, RailVerdict


@dataclass
class InputState:
    """Working state of one input screening; ``text`` is redacted once the pii rail ran."""

    original: str
    text: str
    pii: list[PiiSpan] = field(default_factory=list)
    declined: list[ActRequest] = field(default_factory=list)
    """Requests to act the scope rail declined (the rest of the text is answered)."""
    answerable: str | None = None
    """``text`` without the declined requests; None when nothing was declined."""


@dataclass
class OutputState:
    """Working state of one output check."""

    screen_text: str
    spoken_text: str
    grounding_texts: list[str]
    fallback: Draft | None
    replaced: bool = False
    flagged: bool = False


class InputRail(Protocol):
    """A check on citizen text."""

    name: str

    def screen(self, state: InputState) -> RailVerdict:
        """Decide about ``state.text``; may rewrite it (normalize, redact)."""
        ...


class OutputRail(Protocol):
    """A check on a composed answer."""

    name: str

    def check(self, state: OutputState) -> RailVerdict:
        """Decide about the answer in ``state``; may replace, redact or label it."""
        ...


def verdict(
    stage: str,
    rail: str,
    decision: Decision = Decision.ALLOW,
    reason_code: str | None = None,
    message_zh: str | None = None,
    via: LexiconVia | None = None,
) -> RailVerdict:
    """Shorthand for a :class:`RailVerdict` (duration is stamped by the chain)."""
    return RailVerdict(
        stage="input" if stage == "input" else "output",
        rail=rail,
        decision=decision,
        reason_code=reason_code,
        message_zh=message_zh,
        via=via,
    )
