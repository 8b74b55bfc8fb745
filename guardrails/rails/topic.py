"""Input rail ``topic``: harmful intent and the out-of-scope gate (GB/T 47483 §9.4.1 b, e).

The kiosk's AI service is for government-service guidance only. With the
:class:`~guardrails.topic_classifier.TopicClassifier` trained (the default), a text it judges
harmful (probability ≥ the policy's ``topic.harm_threshold``) is refused with its ``safety.*``
reason, and a text that is not a guidance request (guidance probability below
``topic.guidance_threshold``) is redirected politely to the hotline with reason
``scope.off_topic``; the safety report counts these apart from safety refusals.

Without the classifier (disabled by settings, or before warm-up) the gate falls back to the
vocabulary rule: a question containing no government-service word (``data/domain_terms.txt``
plus the matter names and aliases the knowledge base registers) is redirected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import ahocorasick
from pypinyin import lazy_pinyin

from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode
from guardrails.topic_classifier import TopicClassifier

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
    """Refuses harmful requests and redirects questions that are not about government services.

    Args:
        vocabulary: The government-service words (fallback rule without the classifier).
        classifier: The topic classifier; used once fitted.
        min_chars: Texts shorter than this (characters) pass (``你好``, ``人工``).
        harm_threshold: Harm probability in [0, 1] from which a text is refused.
        guidance_threshold: Guidance probability in [0, 1] below which a text is off topic.
        messages: Message of each reason code (the policy's ``messages``).
    """

    name = "topic"

    def __init__(
        self,
        vocabulary: DomainVocabulary,
        classifier: TopicClassifier,
        *,
        min_chars: int,
        harm_threshold: float,
        guidance_threshold: float,
        messages: Mapping[str, str],
    ) -> None:
        self._vocabulary = vocabulary
        self._classifier = classifier
        self._min_chars = min_chars
        self._harm_threshold = harm_threshold
        self._guidance_threshold = guidance_threshold
        self._messages = messages

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse with a ``safety.*`` reason or ``scope.off_topic``, or allow."""
        text = state.text.strip()
        if len(text) < self._min_chars:
            return verdict("input", self.name)
        assessment = self._classifier.assess(text)
        if assessment is None:
            if self._vocabulary.in_domain(text):
                return verdict("input", self.name)
            return self._refuse(ReasonCode.OFF_TOPIC)
        if assessment.harm >= self._harm_threshold:
            return self._refuse(assessment.reason)
        if assessment.guidance < self._guidance_threshold:
            return self._refuse(ReasonCode.OFF_TOPIC)
        return verdict("input", self.name)

    def _refuse(self, reason: ReasonCode) -> RailVerdict:
        return verdict("input", self.name, Decision.REFUSE, reason, self._messages.get(reason))
