"""The topic rail says whether an off-topic redirect is a judgement of topic alone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from guardrails.rails.base import InputState
from guardrails.rails.topic import MeaningCheck, TopicRail
from guardrails.reasons import ReasonCode
from guardrails.topic_classifier import TopicAssessment


@dataclass
class _FixedClassifier:
    """A topic classifier whose verdict is fixed (the rail and the meaning check are tested)."""

    harm: float
    guidance: float = 0.0
    calibration: None = None

    def assess(self, text: str) -> TopicAssessment:
        return TopicAssessment(harm=self.harm, guidance=self.guidance,
                               reason=ReasonCode("safety.illegal"))


class _NoVocabulary:
    def in_domain(self, text: str) -> bool:
        return False


def _screen(harm: float):
    meaning = MeaningCheck(_FixedClassifier(harm), harm_threshold=0.8,  # type: ignore[arg-type]
                           guidance_threshold=0.5, exonerate_harm=0.45, calibrated=False)
    rail = TopicRail(_NoVocabulary(), meaning, min_chars=2, messages={})  # type: ignore[arg-type]
    return rail.screen(InputState(original="x" * 10, text="某段与政务无关的话语文本"))


@pytest.mark.parametrize(("harm", "harmless"), [(0.1, True), (0.44, True), (0.6, False)])
def test_an_off_topic_redirect_is_marked_harmless_only_below_the_exonerate_bar(harm, harmless):
    verdict = _screen(harm)
    assert verdict.reason_code == "scope.off_topic"
    assert verdict.harmless is harmless


def test_a_safety_refusal_is_never_marked_harmless():
    verdict = _screen(0.9)
    assert verdict.reason_code == "safety.illegal" and verdict.harmless is False
