"""Input rail ``topic``: the out-of-scope gate (GB/T 47483 §9.4.1 e).

The kiosk's AI service is for government-service guidance only. A question that contains no
government-service word (``data/domain_terms.txt`` plus the matter names and aliases the
knowledge base registers) is redirected politely to the hotline, with reason
``scope.off_topic``: the safety report counts these apart from safety refusals.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import ahocorasick

from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode

DOMAIN_TERMS_PATH = Path(__file__).parent.parent / "data" / "domain_terms.txt"


def read_domain_terms(path: Path = DOMAIN_TERMS_PATH) -> list[str]:
    """Whitespace-separated terms, ``#`` lines skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [word for line in lines if not line.startswith("#") for word in line.split()]


class DomainVocabulary:
    """Aho-Corasick set of government-service words; ``add`` rebuilds it."""

    def __init__(self, folder: Folder, terms: Iterable[str]) -> None:
        self._folder = folder
        self._terms: set[str] = set()
        self._automaton = ahocorasick.Automaton()
        self.add(terms)

    def add(self, terms: Iterable[str]) -> int:
        """Add terms (folded); returns how many were new."""
        new = {self._folder.skeleton(t) for t in terms} - self._terms - {""}
        if not new and len(self._automaton):
            return 0
        self._terms |= new
        automaton = ahocorasick.Automaton()
        for term in self._terms:
            automaton.add_word(term, term)
        automaton.make_automaton()
        self._automaton = automaton
        return len(new)

    def __len__(self) -> int:
        return len(self._terms)

    def in_domain(self, text: str) -> bool:
        """True when ``text`` contains at least one domain word."""
        for _ in self._automaton.iter(self._folder.skeleton(text)):
            return True
        return False


class TopicRail:
    """Redirects questions that are not about government services."""

    name = "topic"

    def __init__(self, vocabulary: DomainVocabulary, min_chars: int, message_zh: str) -> None:
        self._vocabulary = vocabulary
        self._min_chars = min_chars
        self._message = message_zh

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse with ``scope.off_topic`` when no domain word occurs."""
        text = state.text.strip()
        if len(text) < self._min_chars or self._vocabulary.in_domain(text):
            return verdict("input", self.name)
        return verdict("input", self.name, Decision.REFUSE, ReasonCode.OFF_TOPIC, self._message)
