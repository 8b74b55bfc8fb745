"""Partial guides: an answer about an element the guide does not publish says so, with THAT
matter's consultation phone (or 12345), never another matter's text and never a guess."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from assistant.digital_human import script_for_matter
from assistant.generate.chat import ChatComposer
from assistant.generate.extractive import ExtractiveComposer, unpublished_element
from knowledge.models import Aspect, GuideElement
from tests.factories import make_content, published


def partial(**overrides):
    """A matter whose guide publishes only its name, department and phone."""
    base: dict[str, Any] = {
        "conditions": [], "materials": [], "process": [], "result": None, "channels": [],
        "time_limit": {}, "fees": [], "unpublished": ["fee", "place"],
        "consultation_phone": "0000-7654328", "kiosk_route": None,
    }
    return published(make_content("TS-0901", name="测试部分指南事项", **{**base, **overrides}))


OTHER = published(make_content("TS-0902", name="另一个完整事项"))


@pytest.mark.parametrize(
    ("aspect", "element"),
    [
        (Aspect.MATERIALS, "申请材料"),
        (Aspect.CONDITIONS, "受理条件"),
        (Aspect.PROCESS, "办理流程"),
        (Aspect.RESULT, "办理结果"),
        (Aspect.FEE, "收费标准"),
        (Aspect.TIME_LIMIT, "法定办结时限"),
        (Aspect.CHANNELS, "办理渠道"),
        (Aspect.PLACE, "办理地点"),
    ],
)
def test_unpublished_element_is_said_plainly_with_the_matters_phone(aspect, element):
    draft = ExtractiveComposer().compose_now(partial(), aspect)
    assert f"测试部分指南事项的办事指南未公布{element}" in draft.screen_text
    assert "本事项咨询电话0000-7654328" in draft.screen_text
    assert "12345" not in draft.screen_text
    assert OTHER.name not in draft.screen_text and "居民身份证" not in draft.screen_text
    assert "不收费" not in draft.screen_text  # an unpublished fee is not "free"
    assert draft.sources[0].matter_code == "TS-0901"


def test_without_a_phone_the_answer_gives_the_hotline():
    draft = ExtractiveComposer(hotline="12345").compose_now(
        partial(consultation_phone=None), Aspect.MATERIALS
    )
    assert "未公布申请材料" in draft.screen_text
    assert "也未公布咨询电话，请拨打政务服务热线12345" in draft.screen_text
    assert "政务服务热线：12345" in draft.screen_text


def test_published_elements_are_still_answered_and_free_means_free():
    matter = partial(fees=[], unpublished=["place"], time_limit={"promised_working_days": 5})
    assert "不收费" in ExtractiveComposer().compose_now(matter, Aspect.FEE).screen_text
    limit = ExtractiveComposer().compose_now(matter, Aspect.TIME_LIMIT).screen_text
    assert "承诺5个工作日内办结" in limit and "未公布" not in limit
    assert unpublished_element(matter, Aspect.TIME_LIMIT) is None
    assert matter.lacks(GuideElement.LEGAL_TIME_LIMIT)


def test_overview_names_what_is_missing_without_inventing_it():
    text = ExtractiveComposer().compose_now(partial(), Aspect.OVERVIEW).screen_text
    assert "办事指南未公布受理条件、申请材料、办结时限" in text
    assert "需要带" not in text and "主要条件" not in text


def test_materials_without_a_stated_form_are_listed_by_name_only():
    matter = partial(materials=[{"name": "申请表", "form": None}])
    text = ExtractiveComposer().compose_now(matter, Aspect.MATERIALS).screen_text
    assert "1. 申请表" in text and "原件" not in text


async def test_the_chat_model_is_not_asked_about_an_unpublished_element():
    never = GenericFakeChatModel(messages=iter([]))  # raises if it is ever called
    composer = ChatComposer(never, timeout_ms=1000)
    draft = await composer.compose("要带什么", partial(), Aspect.MATERIALS)
    assert draft.composer == "extractive"
    assert "未公布申请材料" in draft.screen_text


def test_the_digital_human_script_says_what_is_not_published():
    script = script_for_matter(partial(consultation_phone=None))
    spoken = "".join(s.text for s in script.segments)
    assert "办事指南未公布" in spoken and "政务服务热线12345" in spoken
    assert "不收费" not in spoken and "需要准备的材料" not in spoken
