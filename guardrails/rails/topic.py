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

:class:`MeaningCheck` lends the classifier's judgement to the keyword rails (lexicon, intent):
a word like 枪支, 贩毒 or 歧视 in a text whose harm the classifier puts below its calibrated
threshold (``枪支运输许可怎么办``, ``发现有人贩毒向哪举报``, ``遇到就业歧视去哪投诉``) does not
refuse it on the word alone; the gate then answers it or redirects it off topic.
When the scope rail declined a request to act, the gate judges the rest of the question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import ahocorasick
from pypinyin import lazy_pinyin

from guardrails.acts import clauses
from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode
from guardrails.topic_classifier import TopicAssessment, TopicClassifier

DOMAIN_TERMS_PATH = Path(__file__).parent.parent / "data" / "domain_terms.txt"
MAX_CLAUSES = 4
CHARS_EXONERATE_HARM = 0.3
"""Character-only fallback: harm below which a guidance-like text may pass a keyword (its
harm head learned the keywords themselves, so it is given less say than the e5 one)."""
"""Clauses of the rest of a declined turn judged one by one by the off-topic gate."""


_REPORT_ACT = r"(举报|报案|报警|检举|揭发|投诉|反映|上交|交给|交到|送到|自首|维权|申诉|报告给)"
_CHANNEL_ASK = (
    r"(怎么|如何|怎样|咋|去哪|到哪|在哪|哪里|哪儿|向谁|找谁|跟谁|交给谁|找哪|哪个部门|哪个单位|"
    r"什么部门|什么电话|电话是多少|打什么|渠道|途径|能不能|可以吗|可不可以)"
)
HELP_CHANNEL = re.compile(
    rf"{_CHANNEL_ASK}.{{0,10}}{_REPORT_ACT}|{_REPORT_ACT}.{{0,10}}{_CHANNEL_ASK}"
    r"|(?i:\b(how|where|who|whom|which)\b.{0,40}\b(report|hand (it |them )?in|turn (it |them )?in|"
    r"complain)\b)"
)
"""A question asking where, to whom or how to report, hand in or complain.

Its form says the citizen seeks an official channel (GB/T 47483 §7.1 e: the consultation and
complaint channels; issue 9: how to report a crime is never refused): the words of the harm it
reports (赌场, 猎枪, 传销) do not make it a request to commit one. A structural rule of the
question's form, not a list of topics; the meaning classifier's harm still decides above the
calibrated threshold (:meth:`MeaningCheck.clears`, :meth:`TopicRail.screen`). A plea for personal
help (求助, 求救: distress, mental health) is not a channel question: it keeps the careful
redirect to the hotline."""


def asks_for_help_channel(text: str) -> bool:
    """True when ``text`` asks where, to whom or how to report, hand in or complain.

    ``text`` is folded by the caller or raw; full-width punctuation does not matter.
    """
    return HELP_CHANNEL.search(text) is not None


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


class MeaningCheck:
    """The topic classifier's judgement of a screening's text, with the thresholds in force.

    Args:
        classifier: The topic classifier (may be unfitted: then nothing is judged).
        harm_threshold: Policy harm threshold, used unless ``calibrated`` and the classifier
            has a calibration from its held-out data.
        guidance_threshold: Policy guidance threshold, likewise.
        exonerate_harm: Harm probability below which a guidance-like text is not refused
            for a keyword alone.
        calibrated: Use the thresholds calibrated on held-out data when there are some.
    """

    def __init__(
        self,
        classifier: TopicClassifier,
        *,
        harm_threshold: float,
        guidance_threshold: float,
        exonerate_harm: float,
        calibrated: bool = True,
    ) -> None:
        self.classifier = classifier
        self._harm = harm_threshold
        self._guidance = guidance_threshold
        self._exonerate = exonerate_harm
        self._calibrated = calibrated

    @property
    def exonerate(self) -> float:
        """Harm probability below which a text counts as clearly harmless (policy)."""
        return self._exonerate

    def thresholds(self) -> tuple[float, float]:
        """(harm threshold, guidance threshold) in force, probabilities in [0, 1]."""
        calibration = self.classifier.calibration
        if self._calibrated and calibration is not None:
            return calibration.harm_threshold, calibration.guidance_threshold
        return self._harm, self._guidance

    def assess(self, state: InputState) -> TopicAssessment | None:
        """The classifier's view of what is to be answered (None without a classifier)."""
        return self.classifier.assess((state.answerable or state.text).strip())

    def clears(self, state: InputState) -> bool:
        """True when the meaning-based classifier puts the text's harm below its threshold.

        With the sentence encoder, a text whose harm is below ``exonerate_harm`` (and the
        calibrated threshold) is cleared whatever its topic: a keyword or a pattern alone then
        refuses nothing, and the topic gate answers it or redirects it off topic — a redirect,
        not an accusation. A question asking where or how to report, hand in or complain
        (:func:`asks_for_help_channel`) is cleared below the calibrated harm threshold itself:
        its keyword names the harm reported, and the topic rail refuses from that threshold
        anyway. The character-only fallback learned the very words the keyword rails match, so
        it clears only a guidance request (:meth:`benign_guidance`). False without a fitted
        classifier.
        """
        if self.classifier.encoder is None:
            return self.benign_guidance(state)
        assessment = self.assess(state)
        if assessment is None:
            return False
        harm_threshold, _ = self.thresholds()
        if asks_for_help_channel(state.answerable or state.text):
            # asking where to report or hand in: the keyword names the harm reported; the
            # classifier's own calibrated threshold (the topic rail's) decides alone
            return assessment.harm < harm_threshold
        return assessment.harm < min(self._exonerate, harm_threshold)

    def benign_guidance(self, state: InputState) -> bool:
        """True when the text reads as a guidance request and its harm is low.

        A keyword alone must not refuse such a text.
        """
        assessment = self.assess(state)
        if assessment is None:
            return False
        harm_threshold, guidance_threshold = self.thresholds()
        bound = min(self._exonerate, harm_threshold)
        if self.classifier.encoder is None:
            bound = min(bound, CHARS_EXONERATE_HARM)
        return assessment.guidance >= guidance_threshold and assessment.harm < bound


class TopicRail:
    """Refuses harmful requests and redirects questions that are not about government services.

    Args:
        vocabulary: The government-service words (fallback rule without the classifier).
        meaning: The topic classifier and its thresholds; used once fitted.
        min_chars: Texts shorter than this (characters) pass (``你好``, ``人工``).
        messages: Message of each reason code (the policy's ``messages``).
    """

    name = "topic"

    def __init__(
        self,
        vocabulary: DomainVocabulary,
        meaning: MeaningCheck,
        *,
        min_chars: int,
        messages: Mapping[str, str],
    ) -> None:
        self._vocabulary = vocabulary
        self._meaning = meaning
        self._min_chars = min_chars
        self._messages = messages

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse with a ``safety.*`` reason or ``scope.off_topic``, or allow.

        When the scope rail declined a request to act, the rest of the question is judged;
        if that rest is not a guidance request, the act's own refusal is given (not an
        off-topic redirect). A question asking for a channel to report, hand in or complain
        (:func:`asks_for_help_channel`) with harm below ``exonerate_harm`` is a help request:
        it is answered (the catalogue and the hotline), not redirected off topic.
        """
        text = (state.answerable or state.text).strip()
        if len(text) < self._min_chars:
            return verdict("input", self.name)
        assessment = self._meaning.assess(state)
        off_topic = ReasonCode.OFF_TOPIC
        if state.declined:
            off_topic = ReasonCode(state.declined[0].reason_code)
        if assessment is None:
            if self._vocabulary.in_domain(text):
                return verdict("input", self.name)
            return self._refuse(off_topic)
        harm_threshold, guidance_threshold = self._meaning.thresholds()
        if assessment.harm >= harm_threshold:
            return self._refuse(assessment.reason)
        help_request = assessment.harm < self._meaning.exonerate and asks_for_help_channel(text)
        if (
            assessment.guidance < guidance_threshold
            and not help_request
            and not (state.declined and self._a_clause_is_guidance(state))
        ):
            refusal = self._refuse(off_topic)
            if off_topic is ReasonCode.OFF_TOPIC and assessment.harm < self._meaning.exonerate:
                refusal = refusal.model_copy(update={"harmless": True})
            return refusal
        return verdict("input", self.name)

    def _a_clause_is_guidance(self, state: InputState) -> bool:
        """True when one clause left after a declined request is a guidance question.

        The rest of a long turn ("高龄津贴是按月发吗，我妈的申请两个月没动静，老太太等着用钱")
        reads as a complaint when its clauses are joined; one of them still asks something the
        kiosk answers. At most :data:`MAX_CLAUSES` clauses are embedded (the decline path only).
        """
        harm_threshold, guidance_threshold = self._meaning.thresholds()
        parts = [c.text for c in clauses(state.answerable or "") if c.substantive]
        for part in parts[:MAX_CLAUSES] if len(parts) > 1 else []:
            assessment = self._meaning.classifier.assess(part.strip())
            if (
                assessment is not None
                and assessment.guidance >= guidance_threshold
                and assessment.harm < harm_threshold
            ):
                return True
        return False

    def _refuse(self, reason: ReasonCode) -> RailVerdict:
        return verdict("input", self.name, Decision.REFUSE, reason, self._messages.get(reason))
