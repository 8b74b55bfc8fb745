"""Rail ``lexicon`` on input and on output (GB/T 47483 §9.4.1 a, b: keyword filtering).

On input, a hit refuses or flags per the category's decision in the policy. On output, a hit
replaces the answer with the fallback (when that one is clean) or a safe message, and flags it.
Every verdict records how the deciding term matched (``via``: ``exact``, ``pinyin``,
``initials`` or ``homophone``) for reviewers and statistics — never the term or the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from guardrails.lexicon import Lexicon
from guardrails.models import Decision, LexiconHit, RailVerdict
from guardrails.rails.base import InputState, OutputState, verdict

if TYPE_CHECKING:
    from guardrails.rails.topic import MeaningCheck

CategoryDecision = Literal["refuse", "flag"]


def reason_of(hit: LexiconHit) -> str:
    """Reason code of a lexicon hit: ``safety.<category>``."""
    return f"safety.{hit.category}"


class LexiconInputRail:
    """Refuses (or flags) citizen text containing a sensitive term."""

    name = "lexicon"

    def __init__(
        self,
        lexicon_source: LexiconHolder,
        decisions: Mapping[str, CategoryDecision],
        messages: Mapping[str, str],
        meaning: MeaningCheck | None = None,
        confirmed_categories: Sequence[str] = (),
    ) -> None:
        self._source = lexicon_source
        self._decisions = decisions
        self._messages = messages
        self._meaning = meaning
        self._confirmed = frozenset(confirmed_categories)

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse on the first refusing category hit; flag on a flagging one.

        Exact hits are preferred over pinyin, initials and homophone ones; the verdict's
        ``via`` tells which kind decided. Hits of the categories the policy has confirmed by
        meaning (``lexicon.meaning_confirmed``: words with legitimate government uses, such
        as 枪支 in a licensing matter's name, 贩毒 in a question on how to report it) are
        dropped when the topic classifier puts the text's harm below its calibrated threshold
        (:meth:`~guardrails.rails.topic.MeaningCheck.clears`; the topic gate then answers or
        redirects it), except terms a reviewer added (they always apply).
        """
        lexicon = self._source.lexicon
        hits = lexicon.scan(state.text)
        # A term a reviewer added is a person's decision: it binds whatever the meaning check
        # says; only the bundled terms of confirmed categories yield to it.
        confirmable = any(
            h.category in self._confirmed and lexicon.source_of(h.term, h.category) == "bundled"
            for h in hits
        )
        if confirmable and self._meaning is not None and self._meaning.clears(state):
            hits = [
                h
                for h in hits
                if h.category not in self._confirmed
                or lexicon.source_of(h.term, h.category) != "bundled"
            ]
        if not hits:
            return verdict("input", self.name)
        refusing = [h for h in hits if self._decisions.get(h.category, "refuse") == "refuse"]
        hit = refusing[0] if refusing else hits[0]
        reason = reason_of(hit)
        if refusing:
            return verdict(
                "input", self.name, Decision.REFUSE, reason, self._messages.get(reason), hit.via
            )
        return verdict("input", self.name, Decision.FLAG, reason, via=hit.via)


class LexiconOutputRail:
    """Replaces and flags an answer containing a sensitive term."""

    name = "lexicon"

    def __init__(self, lexicon_source: LexiconHolder, unavailable_zh: str) -> None:
        self._source = lexicon_source
        self._unavailable = unavailable_zh

    def check(self, state: OutputState) -> RailVerdict:
        """Scan screen and spoken text; on a hit fall back and flag."""
        lexicon = self._source.lexicon
        hits = lexicon.scan(state.screen_text) + lexicon.scan(state.spoken_text)
        if not hits:
            return verdict("output", self.name)
        fallback = state.fallback
        if fallback is not None and not lexicon.scan(fallback.screen_text + fallback.spoken_text):
            state.screen_text, state.spoken_text = fallback.screen_text, fallback.spoken_text
        else:
            state.screen_text = state.spoken_text = self._unavailable
        state.replaced = state.flagged = True
        return verdict("output", self.name, Decision.FLAG, reason_of(hits[0]), via=hits[0].via)


class LexiconHolder:
    """Holds the current compiled lexicon; reviewers' changes swap it atomically."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
