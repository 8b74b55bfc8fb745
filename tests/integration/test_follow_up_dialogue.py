"""Follow-ups in a session: elaborations stay on the matter, named new matters move on.

Real runtime (guardrails, store, retriever) on SQLite with the sample matters, semantic
channel off as in every test that does not ask for it; and the follow-up eval runner.
"""

from __future__ import annotations

import pytest

from evals.runners.follow_ups import (
    FOLLOW_UP_HOLDOUT_SET,
    FOLLOW_UP_TUNE_SET,
    FollowUpCase,
    answered_matter,
    evaluate_follow_ups,
    read_follow_up_cases,
    run_dialogue,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("first", "code", "follow_up"),
    [
        ("孩子出生了怎么上户口", "HJ-0002", "要带出生证明吗"),
        ("结婚登记要准备什么", "HY-0001", "能在自助机上办吗"),
        ("社保卡丢了怎么挂失", "SB-0005", "补办要多久"),
        ("医保异地就医备案怎么弄", "YB-0002", "能在自助机上办吗"),
        ("身份证丢了怎么补办", "HJ-0004", "户口本要带吗"),
        ("幼儿园报名怎么弄", "JYU-0005", "需要预防接种证吗"),
    ],
)
def test_an_elaboration_stays_on_the_matter(runtime, first, code, follow_up):
    opened, answered = run_dialogue(runtime.pipeline, [first, follow_up])
    assert answered_matter(opened) == code
    assert answered_matter(answered) == code, answered.answer.screen_text
    assert all(s.matter_code == code for s in answered.sources)
    assert answered.aspect is not None and answered.aspect.value != "overview"


@pytest.mark.parametrize(
    ("first", "follow_up", "codes"),
    [
        ("身份证丢了怎么补办", "那护照怎么办", {"CRJ-0001", "CRJ-0004"}),
        ("居住证怎么办", "我还想问一下结婚登记", {"HY-0001"}),
        ("居住证怎么办", "另外我想问养犬登记", {"GA-0001"}),
        ("孩子出生了怎么上户口", "那出生医学证明丢了补办要多久", {"WJ-0001"}),
        ("身份证丢了怎么补办", "那办护照要带身份证吗", {"CRJ-0001", "CRJ-0004"}),
    ],
)
def test_a_topic_switch_moves_to_the_new_matter(runtime, first, follow_up, codes):
    _, answered = run_dialogue(runtime.pipeline, [first, follow_up])
    assert answered_matter(answered) in codes, answered.answer.screen_text


def test_the_switched_matter_is_the_one_under_discussion_next(runtime):
    *_, last = run_dialogue(
        runtime.pipeline, ["身份证丢了怎么补办", "我还想问一下结婚登记", "那要多久"]
    )
    assert answered_matter(last) == "HY-0001"


def test_both_halves_of_the_follow_up_set_are_readable():
    tune, holdout = read_follow_up_cases(FOLLOW_UP_TUNE_SET), read_follow_up_cases(
        FOLLOW_UP_HOLDOUT_SET
    )
    assert len(tune) + len(holdout) >= 60
    assert not {c.id for c in tune} & {c.id for c in holdout}
    assert {c.expect for c in tune} == {"stay", "switch"}


def test_the_eval_scores_kept_and_switched_and_redacts_misses(runtime):
    phone = "13812345678"
    cases = [
        FollowUpCase(id="a", turns=("居住证怎么办", "那要多久"), first_code="HJ-0005",
                     expect="stay", gold_codes=("HJ-0005",), aspect="time_limit",
                     style="elaboration"),
        FollowUpCase(id="b", turns=("居住证怎么办", "那护照怎么办"), first_code="HJ-0005",
                     expect="switch", gold_codes=("CRJ-0001", "CRJ-0004"), style="switch"),
        # gold deliberately wrong: a miss whose text carries a phone number
        FollowUpCase(id="c", turns=("居住证怎么办", f"我电话{phone}，那要多久"),
                     first_code="HJ-0005", expect="switch", gold_codes=("CRJ-0001",),
                     style="switch"),
    ]  # fmt: skip
    report = evaluate_follow_ups("t", cases, runtime.pipeline, runtime.guardrails.pii.redact)
    o = report.overall
    assert (o.count, o.stay, o.switch, o.elements) == (3, 1, 2, 1)
    assert o.kept == 1.0 and o.switched == 0.5 and o.element == 1.0 and o.first_right == 1.0
    assert [m.case_id for m in report.misses] == ["c"]
    assert phone not in report.model_dump_json()
    unredacted = evaluate_follow_ups("t", cases[2:], runtime.pipeline)
    assert unredacted.misses[0].follow_up is None


class _Redirecting:
    """The runtime's guard, except that the topic rail redirects ``texts`` as off-topic."""

    def __init__(self, guard: object, texts: set[str], harmless: bool) -> None:
        self._guard, self._texts, self._harmless = guard, texts, harmless

    def __getattr__(self, name: str) -> object:
        return getattr(self._guard, name)

    def screen(self, text: str):
        from guardrails.models import Decision, RailVerdict

        screened = self._guard.screen(text)  # type: ignore[attr-defined]
        if text not in self._texts:
            return screened
        verdict = RailVerdict(
            stage="input", rail="topic", decision=Decision.REFUSE,
            reason_code="scope.off_topic", message_zh="请咨询政务服务相关问题。",
            harmless=self._harmless,
        )  # fmt: skip
        return screened.model_copy(update={"refusal": verdict})


def _redirected(runtime, monkeypatch, texts: set[str], *, harmless: bool = True) -> None:
    """Make the topic rail redirect ``texts`` as off-topic (harmless as given)."""
    guard = _Redirecting(runtime.pipeline.guard, texts, harmless)
    monkeypatch.setattr(runtime.pipeline, "guard", guard)


def test_an_element_follow_up_the_topic_rail_redirected_is_answered(runtime, monkeypatch):
    _redirected(runtime, monkeypatch, {"得花多少钱"})
    _, answered = run_dialogue(runtime.pipeline, ["驾驶证到期了换证", "得花多少钱"])
    assert not answered.refused
    assert answered_matter(answered) == "CJG-0001"
    assert answered.aspect is not None and answered.aspect.value == "fee"


@pytest.mark.parametrize(
    ("turns", "harmless"),
    [
        (["得花多少钱"], True),  # nothing under discussion
        (["驾驶证到期了换证", "今天天气怎么样"], True),  # asks no element
        (["驾驶证到期了换证", "得花多少钱"], False),  # a redirect with some harm stands
    ],
)
def test_other_redirects_stand(runtime, monkeypatch, turns, harmless):
    _redirected(runtime, monkeypatch, {turns[-1]}, harmless=harmless)
    *_, last = run_dialogue(runtime.pipeline, turns)
    assert last.refused and last.reason_code == "scope.off_topic"
