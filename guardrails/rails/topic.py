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
from pypinyin import lazy_pinyin

from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode

DOMAIN_TERMS_PATH = Path(__file__).parent.parent / "data" / "domain_terms.txt"


def read_domain_terms(path: Path = DOMAIN_TERMS_PATH) -> list[str]:
    """Whitespace-separated terms, ``#`` lines skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [word for line in lines if not line.startswith("#") for word in line.split()]


def _syllables(text: str) -> str:
    return "|" + "|".join(lazy_pinyin(text)) + "|"


class DomainVocabulary:
    """Aho-Corasick set of government-service words; ``add`` rebuilds it.

    Words of three or more characters also match by pinyin, syllable by syllable, so speech
    recognition homophones (``社宝卡`` for 社保卡) stay in domain.
    """

    def __init__(self, folder: Folder, terms: Iterable[str]) -> None:
        self._folder = folder
        self._terms: set[str] = set()
        self._automaton = ahocorasick.Automaton()
        self._spoken = ahocorasick.Automaton()
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
        spoken = ahocorasick.Automaton()
        for term in self._terms:
            if len(term) >= 3 and all("\u3400" <= c <= "\u9fff" for c in term):
                spoken.add_word(_syllables(term), term)
        spoken.make_automaton()
        self._automaton, self._spoken = automaton, spoken
        return len(new)

    def __len__(self) -> int:
        return len(self._terms)

    def in_domain(self, text: str) -> bool:
        """True when ``text`` contains at least one domain word."""
        skeleton = self._folder.skeleton(text)
        for _ in self._automaton.iter(skeleton):
            return True
        for _ in self._spoken.iter(_syllables(skeleton)):
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
