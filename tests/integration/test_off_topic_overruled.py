"""A published matter overrules the topic rail's off-topic redirect, and nothing else.

Real runtime (store, retriever, guard) on SQLite with the sample matters; only the topic
classifier's verdict is forced, to the guess a classifier gets wrong on a region's own
wording (a typo of a matter's name, a need described in plain words).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from assistant.models import Turn
from assistant.pipeline import Pipeline
from guardrails.models import Decision, RailVerdict, ScreenedQuery
from guardrails.policy import TurnGuard

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class ForcedTopic(TurnGuard):
    """The runtime's turn guard, with the topic rail's last verdict replaced."""

    reason_code: str = "scope.off_topic"
    rail: str = "topic"
    harmless: bool = True

    def screen(self, text: str) -> ScreenedQuery:
        screened = super().screen(text)
        forced = RailVerdict(stage="input", rail=self.rail, decision=Decision.REFUSE,
                             reason_code=self.reason_code, message_zh="请咨询12345。",
                             harmless=self.harmless)
        return screened.model_copy(update={"refusal": forced,
                                           "verdicts": [*screened.verdicts, forced]})


def _pipeline(runtime, reason_code: str, rail: str = "topic", harmless: bool = True) -> Pipeline:
    real = runtime.pipeline
    guard = ForcedTopic(input=real.guard.input, output=real.guard.output,
                        review=real.guard.review, reason_code=reason_code, rail=rail,
                        harmless=harmless)
    return Pipeline(guard=guard, retriever=real.retriever,
                    sessions=real.sessions, replies=real.replies)


def _ask(pipeline: Pipeline, question: str):
    return asyncio.run(pipeline.run(Turn(question=question)))


def test_a_matter_named_in_the_question_overrules_an_off_topic_guess(runtime):
    matter = runtime.retriever.matter("HJ-0004")
    assert matter is not None
    result = _ask(_pipeline(runtime, "scope.off_topic"), f"{matter.name}要带什么")
    assert not result.refused
    assert result.sources and result.sources[0].matter_code == "HJ-0004"


def test_chit_chat_called_off_topic_stays_redirected(runtime):
    result = _ask(_pipeline(runtime, "scope.off_topic"), "今天天气怎么样")
    assert result.refused and result.reason_code == "scope.off_topic"
    assert not result.sources


@pytest.mark.parametrize(
    ("reason_code", "rail"),
    [("safety.illegal", "topic"), ("scope.eligibility", "topic"),
     ("scope.off_topic", "scope")],
)
def test_no_other_refusal_is_overruled(runtime, reason_code, rail):
    matter = runtime.retriever.matter("HJ-0004")
    assert matter is not None
    result = _ask(_pipeline(runtime, reason_code, rail), f"{matter.name}要带什么")
    assert result.refused and result.reason_code == reason_code


def test_an_off_topic_redirect_of_text_with_some_harm_is_not_overruled(runtime):
    # harm above the policy's exonerate bar (a request for another person's records): the
    # redirect stands even when a matter matches the words
    matter = runtime.retriever.matter("HJ-0004")
    assert matter is not None
    result = _ask(_pipeline(runtime, "scope.off_topic", harmless=False), f"{matter.name}要带什么")
    assert result.refused and result.reason_code == "scope.off_topic"


@pytest.mark.parametrize("reason_code", ["scope.final_decision", "scope.off_topic"])
@pytest.mark.parametrize("greeting", ["你好", "您好！", "在吗"])
def test_a_bare_greeting_refused_by_a_scope_rail_is_greeted(runtime, greeting, reason_code):
    result = _ask(_pipeline(runtime, reason_code, rail="scope", harmless=False), greeting)
    assert not result.refused
    assert result.intent.value == "chitchat"
    assert "导办助手" in result.answer.screen_text


@pytest.mark.parametrize(
    ("question", "reason_code"),
    [("你好", "safety.illegal"), ("你好，帮我把审批过了", "scope.final_decision")],
)
def test_a_greeting_does_not_overrule_safety_or_a_request_behind_it(runtime, question,
                                                                   reason_code):
    result = _ask(_pipeline(runtime, reason_code, rail="scope", harmless=False), question)
    assert result.refused and result.reason_code == reason_code
