"""Output rails through ``OutputGuard.check``: grounding, official wording, PII leak, label."""

from __future__ import annotations

from guardrails.models import AI_LABEL, Draft, Source
from guardrails.policy import Guardrails
from guardrails.rails.grounding import arabic_numerals, numbers_in

GROUNDING = "承诺办结时限15个工作日，法定20个工作日。不收费。咨询电话0571-87654321。"
SOURCE = Source(matter_code="M1", matter_name="居住证", section="time_limit")
FALLBACK = Draft(screen_text="承诺15个工作日办结。", spoken_text="承诺十五个工作日办结。",
                 sources=[SOURCE])  # fmt: skip


def test_grounded_answer_passes_and_is_labelled(guard: Guardrails) -> None:
    draft = Draft(screen_text="1. 承诺15个工作日办结\n2. 电话0571-87654321",
                  spoken_text="十五个工作日办结", sources=[SOURCE])  # fmt: skip
    answer = guard.output.check(draft, [GROUNDING], FALLBACK)
    assert not answer.replaced and not answer.flagged
    assert answer.screen_text.endswith(AI_LABEL)
    assert AI_LABEL in answer.spoken_text
    assert answer.label == AI_LABEL


def test_ungrounded_number_is_replaced_by_fallback_and_flagged(guard: Guardrails) -> None:
    draft = Draft(
        screen_text="3个工作日就能办好，收费50元", spoken_text="三个工作日", sources=[SOURCE]
    )
    answer = guard.output.check(draft, [GROUNDING], FALLBACK)
    assert answer.replaced and answer.flagged
    assert answer.screen_text.startswith("承诺15个工作日办结")
    assert "output.ungrounded" in [v.reason_code for v in answer.verdicts]


def test_ungrounded_without_fallback_gives_safe_message(guard: Guardrails) -> None:
    draft = Draft(screen_text="7天办结", spoken_text="7天办结")
    answer = guard.output.check(draft, [GROUNDING], None)
    assert answer.replaced and "12345" in answer.screen_text


def test_official_wording_is_neutralised(guard: Guardrails) -> None:
    draft = Draft(screen_text="您符合条件，已批准。", spoken_text="您符合条件")
    answer = guard.output.check(draft, [], None)
    assert "已批准" not in answer.screen_text and "您符合条件" not in answer.spoken_text
    assert answer.flagged


def test_personal_data_in_output_is_redacted(guard: Guardrails) -> None:
    draft = Draft(screen_text="请联系王先生13812345678", spoken_text="请联系")
    answer = guard.output.check(draft, ["咨询电话0571-87654321"], None)
    assert "13812345678" not in answer.screen_text
    assert answer.flagged


def test_label_is_never_doubled(guard: Guardrails) -> None:
    draft = Draft(screen_text=f"你好\n\n{AI_LABEL}", spoken_text=f"你好。{AI_LABEL}。")
    answer = guard.output.check(draft, [], None)
    assert answer.screen_text.count(AI_LABEL) == 1
    assert answer.spoken_text.count(AI_LABEL) == 1


def test_chinese_numerals_are_compared_as_numbers() -> None:
    assert arabic_numerals("十五个工作日，两份，一百二十元") == "15个工作日，2份，120元"
    assert {"15", "20"} <= numbers_in("十五个工作日或20天")
