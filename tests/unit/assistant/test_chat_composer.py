import asyncio

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.generate.chat import ChatComposer, build_chat_composer
from assistant.generate.extractive import ExtractiveComposer
from assistant.settings import ChatModelSettings
from knowledge.models import Aspect
from tests.factories import published, sample_contents


def _matter():
    return published(next(c for c in sample_contents() if c.code == "HJ-0004"))


async def test_chat_model_phrases_the_answer_and_keeps_citations():
    model = GenericFakeChatModel(
        messages=iter([AIMessage(content="补办身份证请带上户口簿到派出所办理。")]))
    draft = await ChatComposer(model, timeout_ms=2000).compose(
        "身份证丢了", _matter(), Aspect.MATERIALS)
    assert draft.composer == "chat"
    assert draft.screen_text.startswith("补办身份证请带上户口簿")
    assert draft.sources[0].section == "申请材料"


class _SlowModel(GenericFakeChatModel):
    async def _agenerate(self, *args, **kwargs):
        await asyncio.sleep(1)
        return await super()._agenerate(*args, **kwargs)


async def test_timeout_falls_back_to_extractive():
    model = _SlowModel(messages=iter([AIMessage(content="太慢了")]))
    draft = await ChatComposer(model, timeout_ms=100).compose(
        "要带什么", _matter(), Aspect.MATERIALS)
    assert draft.composer == "extractive"


async def test_failure_and_empty_reply_fall_back():
    failing = GenericFakeChatModel(messages=iter([]))  # raises when asked
    draft = await ChatComposer(failing, timeout_ms=1000).compose("要带什么", _matter(), Aspect.FEE)
    assert draft.composer == "extractive"
    empty = GenericFakeChatModel(messages=iter([AIMessage(content="  ")]))
    draft = await ChatComposer(empty, timeout_ms=1000).compose("要带什么", _matter(), Aspect.FEE)
    assert draft.composer == "extractive"


def test_unconfigured_chat_model_means_extractive():
    assert isinstance(build_chat_composer(ChatModelSettings()), ExtractiveComposer)
    configured = build_chat_composer(ChatModelSettings(base_url="http://127.0.0.1:9/v1"))
    assert isinstance(configured, ChatComposer)
