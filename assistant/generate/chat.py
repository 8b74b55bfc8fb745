"""The optional chat composer: a LangChain chat model phrases the answer from the same section.

The model (an OpenAI-compatible endpoint: a local Qwen served by vLLM or Ollama) sees only the
redacted question and the matter section the extractive composer would answer with, and is
told to use nothing else. If it is not configured, fails, returns nothing or exceeds
``timeout_ms``, the extractive composer answers instead; the output guard still checks that
every number in the phrased answer appears in the matter (§9.4.1 a: no false content).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pybreaker

from assistant.generate.base import Composer
from assistant.generate.extractive import (
    SECTION_NAMES,
    ExtractiveComposer,
    consultation_phone,
    section_text,
    unpublished_element,
)
from assistant.settings import ChatModelSettings
from assistant.spoken import to_spoken
from guardrails.models import Draft
from knowledge.models import Aspect, Matter

if TYPE_CHECKING:  # LangChain is imported only when a chat model is configured (seconds)
    from langchain_core.language_models.chat_models import BaseChatModel

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "你是政务服务自助终端的导办助手。只根据提供的“事项资料”回答群众的问题，"
    "不得补充资料以外的数字、时限、费用、电话或政策；资料里没有的，请说“请到窗口或拨打12345咨询”。"
    "不做身份核验、资格审核或任何审批结论。用不超过三句话的简短口语化中文回答，不用列表和符号。"
)


class ChatComposer:
    """Phrases answers with a LangChain chat model; falls back to :class:`ExtractiveComposer`.

    Usage example::

        from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
        composer = ChatComposer(GenericFakeChatModel(messages=iter([...])), timeout_ms=3000)
    """

    name = "chat"

    def __init__(self, model: BaseChatModel, *, timeout_ms: int,
                 breaker: pybreaker.CircuitBreaker | None = None) -> None:
        """Use ``model``; give up after ``timeout_ms`` milliseconds.

        ``breaker`` (pybreaker) opens after consecutive failures or timeouts: while it is
        open the extractive composer answers at once, without waiting on the model, and
        after its reset timeout one trial call decides whether it closes again.
        """
        self._model = model
        self._timeout_s = timeout_ms / 1000
        self._fallback = ExtractiveComposer()
        self._breaker = breaker or pybreaker.CircuitBreaker(fail_max=3, reset_timeout=30,
                                                            name="chat-model")

    def health(self) -> tuple[bool, str]:
        """(available, detail) for ``/health``: the circuit's state and failures."""
        state = self._breaker.current_state
        if state == pybreaker.STATE_CLOSED:
            return True, f"chat model (circuit closed, {self._breaker.fail_counter} failures)"
        return False, (f"chat model circuit {state}: extractive composer answers "
                       f"(retried after {self._breaker.reset_timeout:.0f} s)")

    async def compose(self, question: str, matter: Matter, aspect: Aspect) -> Draft:
        """Phrase the ``aspect`` section of ``matter`` as an answer to ``question``.

        An aspect the matter's guide does not publish is answered by the extractive composer's
        plain "not published" text: the model is not asked, so it cannot guess.
        """
        if unpublished_element(matter, aspect) is not None:
            return self._fallback.compose_now(matter, aspect)
        from langchain_core.messages import HumanMessage, SystemMessage

        section = section_text(matter, aspect)
        messages = [
            SystemMessage(content=SYSTEM_PROMPT),
            HumanMessage(
                content=f"事项资料（{matter.name}·{SECTION_NAMES[aspect]}）：{section}\n"
                f"群众的问题：{question}"
            ),
        ]
        try:
            with self._breaker.calling():
                reply = await asyncio.wait_for(self._model.ainvoke(messages), self._timeout_s)
        except pybreaker.CircuitBreakerError:
            logger.debug("chat circuit open, using extractive")
            return self._fallback.compose_now(matter, aspect)
        except Exception as exc:  # noqa: BLE001 - any model failure falls back
            logger.warning(
                "chat composer failed, using extractive", extra={"error": type(exc).__name__}
            )
            return self._fallback.compose_now(matter, aspect)
        text = reply.content if isinstance(reply.content, str) else ""
        text = text.strip()
        if not text:
            logger.warning("chat composer returned nothing, using extractive")
            return self._fallback.compose_now(matter, aspect)
        fallback = self._fallback.compose_now(matter, aspect)
        phone = f"咨询电话：{consultation_phone(matter)}。"
        return Draft(
            screen_text=f"{text}\n{phone}",
            spoken_text=to_spoken(f"{text}{phone}"),
            sources=fallback.sources,
            composer=self.name,
        )


def build_chat_composer(settings: ChatModelSettings) -> Composer:
    """The chat composer when an endpoint is configured, else the extractive composer."""
    if not settings.base_url:
        return ExtractiveComposer()
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,
        timeout=settings.timeout_ms / 1000,
        max_retries=0,
        temperature=0.1,
    )
    logger.info("chat composer configured", extra={"model": settings.model})
    breaker = pybreaker.CircuitBreaker(fail_max=settings.breaker_failures,
                                       reset_timeout=settings.breaker_reset_s, name="chat-model")
    return ChatComposer(model, timeout_ms=settings.timeout_ms, breaker=breaker)
