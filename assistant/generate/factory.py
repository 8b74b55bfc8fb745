"""Which composer a deployment answers with: the chat model when configured, else extractive.

Kept apart from :mod:`assistant.generate.chat` so a service on the default extractive composer
never imports LangChain or pybreaker (about a second of every start on these machines).
"""

from __future__ import annotations

from assistant.generate.base import Composer
from assistant.generate.extractive import ExtractiveComposer
from assistant.settings import ChatModelSettings


def build_composer(settings: ChatModelSettings) -> Composer:
    """The chat composer when ``settings.base_url`` is set, else the extractive composer."""
    if not settings.base_url:
        return ExtractiveComposer()
    from assistant.generate.chat import build_chat_composer

    return build_chat_composer(settings)
