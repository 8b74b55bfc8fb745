"""Elderly and English mode change what a turn returns (GB/T 47483 §7.4), not only the CSS."""

import pytest

from assistant.generate.extractive import ExtractiveComposer
from assistant.models import Answer, IntentKind, KioskAction, Route, Turn, TurnResult
from assistant.modes import (
    CHINESE_ONLY_NOTE,
    ELDERLY_MAX_CHOICES,
    adapt_to_mode,
    essentials,
    matter_summary,
)
from assistant.replies import Replies
from guardrails.models import AI_LABEL
from knowledge.importers import BUNDLED_SAMPLES_DIR, read_matter_dir
from knowledge.models import Aspect, Matter


@pytest.fixture(scope="module")
def matters():
    return {c.code: Matter(**c.model_dump()) for c in read_matter_dir(BUNDLED_SAMPLES_DIR)}


def _answer_result(matter, aspect=Aspect.OVERVIEW):
    draft = ExtractiveComposer().compose_now(matter, aspect)
    return TurnResult(
        intent=IntentKind.ASK_MATTER, aspect=aspect,
        answer=Answer(screen_text=f"{draft.screen_text}\n\n{AI_LABEL}",
                      spoken_text=draft.spoken_text),
        sources=draft.sources,
        routes=[Route(matter_code=matter.code, matter_name=matter.name,
                      kiosk_route=matter.kiosk_route, score=1.0,
                      english_name=matter.english_name)] * 5,
        follow_ups=["需要带什么材料？", "要多久能办好？", "在哪里办？", "收费吗？"],
    )


def _passport(matters):
    return next(m for m in matters.values() if m.english_name.startswith("Issuance of an ordinary"))


def test_essentials_keeps_first_sentences_phone_and_label():
    text = ("甲事项由某局办理。主要条件：年满十六周岁。需要带：户口簿、照片、申请表、其他很多材料。"
            "承诺20个工作日内办结。\n咨询电话：12345。\n\nAI生成，仅供参考")
    short = essentials(text, max_chars=25)
    assert short.startswith("甲事项由某局办理。\n主要条件：年满十六周岁。")
    assert "户口簿" not in short
    assert "咨询电话：12345。" in short
    assert short.endswith(AI_LABEL)


def test_elderly_answer_is_shorter_slower_with_fewer_choices(matters):
    result = _answer_result(_passport(matters))
    elderly = adapt_to_mode(result, Turn(question="护照", elderly=True), matters.get)
    assert len(elderly.answer.screen_text) < len(result.answer.screen_text)
    assert len(elderly.answer.spoken_text) < len(result.answer.spoken_text)
    assert elderly.answer.pace == "elderly" and result.answer.pace == "standard"
    assert elderly.answer.screen_text.endswith(AI_LABEL)
    assert "咨询电话" in elderly.answer.screen_text
    assert not any(c.isdigit() for c in elderly.answer.spoken_text)
    assert len(elderly.routes) == ELDERLY_MAX_CHOICES
    assert len(elderly.follow_ups) == ELDERLY_MAX_CHOICES


def test_standard_chinese_turn_is_unchanged(matters):
    result = _answer_result(_passport(matters))
    assert adapt_to_mode(result, Turn(question="护照"), matters.get) == result


def test_english_answer_names_the_matter_in_english_and_says_chinese_only(matters):
    passport = _passport(matters)
    result = _answer_result(passport)
    english = adapt_to_mode(result, Turn(question="passport", lang="en"), matters.get)
    text = english.answer.screen_text
    assert text.startswith(passport.english_name)
    assert CHINESE_ONLY_NOTE in text
    assert english.answer.language_note == CHINESE_ONLY_NOTE
    assert english.answer.lang == "en"
    assert AI_LABEL in text
    assert result.answer.screen_text.replace(f"\n\n{AI_LABEL}", "") in text  # Chinese kept
    assert all(q.isascii() for q in english.follow_ups)
    assert english.answer.spoken_text.isascii()


def test_english_summary_comes_from_structured_fields_only(matters):
    passport = _passport(matters)
    summary = matter_summary(passport)
    limit = passport.time_limit
    if limit.promised_working_days is not None:
        assert f"{limit.promised_working_days} working day" in summary
    if passport.consultation_phone:
        assert passport.consultation_phone in summary
    assert summary.isascii()


def test_elderly_english_keeps_english_and_slows_speech(matters):
    result = _answer_result(_passport(matters))
    both = adapt_to_mode(result, Turn(question="passport", lang="en", elderly=True), matters.get)
    assert both.answer.lang == "en" and both.answer.pace == "elderly"
    assert len(both.routes) == ELDERLY_MAX_CHOICES


@pytest.mark.parametrize(
    ("intent", "reason", "refused", "expected"),
    [
        (IntentKind.HELP, "help", False, "Staff have been called"),
        (IntentKind.CHITCHAT, None, False, "Hello"),
        (IntentKind.ASK_MATTER, "not_found", False, "could not find"),
        (IntentKind.OUT_OF_SCOPE, "not_found", False, "only answer questions about"),
        (IntentKind.OUT_OF_SCOPE, "scope.eligibility", True, "Sorry, I cannot answer"),
    ],
)
def test_fixed_replies_are_english(matters, intent, reason, refused, expected):
    chinese = Replies().help()
    result = TurnResult(intent=intent, reason_code=reason, refused=refused,
                        answer=Answer(screen_text=f"{chinese}\n\n{AI_LABEL}", spoken_text=chinese),
                        actions=[KioskAction(action="call_help")] if intent is IntentKind.HELP
                        else [])
    english = adapt_to_mode(result, Turn(question="x", lang="en"), matters.get)
    assert expected in english.answer.screen_text.split("\n")[0]
    assert AI_LABEL in english.answer.screen_text
    assert english.actions == result.actions
    if refused:
        assert "（中文）" in english.answer.screen_text  # the Chinese message stays visible
