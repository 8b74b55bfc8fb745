"""The default composer: extractive and grounded, no model needed.

It answers the aspect asked from the matter's own fields, in short sentences, cites the
matter and section, and gives the consultation phone (§7.1 e). The spoken text is the screen
text rewritten for the voice (:func:`assistant.spoken.to_spoken`).

A region's guide may leave elements unpublished (``MatterContent.unpublished``).
An answer about such an element says plainly that this matter's guide does not publish it and
gives this matter's consultation phone, or the government service hotline when the guide gives
none: never another matter's text, never a guess.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import LRUCache

from assistant.spoken import to_spoken
from guardrails.models import Draft, Source
from knowledge.models import (
    GUIDE_ELEMENT_NAMES,
    Aspect,
    Channel,
    GuideElement,
    MaterialForm,
    Matter,
)

SECTION_NAMES: dict[Aspect, str] = {
    Aspect.OVERVIEW: "事项概要",
    Aspect.MATERIALS: "申请材料",
    Aspect.CONDITIONS: "受理条件",
    Aspect.TIME_LIMIT: "办结时限",
    Aspect.FEE: "收费标准",
    Aspect.PLACE: "办理地点",
    Aspect.PROCESS: "办理流程",
    Aspect.CHANNELS: "办理渠道",
    Aspect.RESULT: "办理结果",
    Aspect.PROGRESS: "进度查询",
}
"""Chinese section name cited for each aspect."""

FORM_NAMES = {
    MaterialForm.ORIGINAL: "原件",
    MaterialForm.COPY: "复印件",
    MaterialForm.ORIGINAL_AND_COPY: "原件和复印件",
    MaterialForm.ELECTRONIC: "电子版",
}
CHANNEL_NAMES = {
    Channel.WINDOW: "窗口",
    Channel.ONLINE: "网上",
    Channel.MOBILE: "手机",
    Channel.KIOSK: "自助机",
    Channel.MAIL: "邮寄",
}
MAX_ITEMS = 6

GOVERNMENT_HOTLINE = "12345"
"""The government service hotline (12345), given when a matter's guide has no phone."""

ASPECT_ELEMENTS: dict[Aspect, GuideElement] = {
    Aspect.MATERIALS: GuideElement.MATERIALS,
    Aspect.CONDITIONS: GuideElement.CONDITIONS,
    Aspect.FEE: GuideElement.FEE,
    Aspect.PROCESS: GuideElement.PROCESS,
    Aspect.CHANNELS: GuideElement.CHANNELS,
    Aspect.RESULT: GuideElement.RESULT,
}
"""The guide element an aspect's answer is drawn from, where it is one element. The time limit
(legal or promised) and the place (offices or the department) are decided in
:func:`unpublished_element`."""


def unpublished_element(matter: Matter, aspect: Aspect) -> GuideElement | None:
    """The element ``aspect`` asks about when ``matter``'s guide does not publish it, else None.

    A time-limit question is unanswerable only when neither the legal nor the promised limit is
    given (a promised limit answers it); a place question only when the guide lists no office
    and marks the place unpublished (otherwise the department and channels answer it).
    """
    if aspect is Aspect.TIME_LIMIT:
        limit = matter.time_limit
        if (
            matter.lacks(GuideElement.LEGAL_TIME_LIMIT)
            and limit.promised_working_days is None
            and not limit.notes
        ):
            return GuideElement.LEGAL_TIME_LIMIT
        return None
    if aspect is Aspect.PLACE:
        return GuideElement.PLACE if matter.lacks(GuideElement.PLACE) else None
    element = ASPECT_ELEMENTS.get(aspect)
    return element if element is not None and matter.lacks(element) else None


def consultation_phone(matter: Matter, hotline: str = GOVERNMENT_HOTLINE) -> str:
    """The phone to give for ``matter``: its own consultation phone, else ``hotline``."""
    return matter.consultation_phone or hotline


def not_published_text(
    matter: Matter, element: GuideElement, hotline: str = GOVERNMENT_HOTLINE
) -> str:
    """Say plainly that ``matter``'s guide does not publish ``element`` and where to ask.

    Gives ``matter``'s own consultation phone, or ``hotline`` when the guide has none.
    """
    name = GUIDE_ELEMENT_NAMES[element]
    if matter.consultation_phone:
        ask = f"请拨打本事项咨询电话{matter.consultation_phone}或到办理窗口咨询"
    else:
        ask = f"本事项也未公布咨询电话，请拨打政务服务热线{hotline}或到办理窗口咨询"
    return f"{matter.name}的办事指南未公布{name}，{ask}。"


def _numbered(items: list[str]) -> str:
    shown = items[:MAX_ITEMS]
    text = "".join(f"\n{i}. {item.rstrip('。；')}；" for i, item in enumerate(shown, start=1))
    text = text.rstrip("；")
    if len(items) > MAX_ITEMS:
        text += "\n……其余各项详见事项页面"
    return text


def _materials(m: Matter) -> str:
    items = []
    for material in m.materials:
        detail = FORM_NAMES[material.form] if material.form is not None else ""
        if material.count > 1:
            detail += f"{material.count}份"
        remarks = [detail] if detail else []
        if not material.required:
            remarks.append("视情况提供")
        if material.e_licence_accepted:
            remarks.append("可用电子证照")
        detail = "，".join(remarks)
        items.append(f"{material.name}（{detail}）" if detail else material.name)
    return f"办理{m.name}需要准备：{_numbered(items)}。"


def _conditions(m: Matter) -> str:
    return f"{m.name}的受理条件：{_numbered(m.conditions)}。"


def _time_limit(m: Matter) -> str:
    limit = m.time_limit
    parts = []
    if limit.promised_working_days == 0:
        parts.append("符合条件的当场办结")
    elif limit.promised_working_days is not None:
        parts.append(f"承诺{limit.promised_working_days}个工作日内办结")
    if limit.legal_working_days:
        parts.append(f"法定办结时限{limit.legal_working_days}个工作日")
    if not parts:
        if not limit.notes:
            return not_published_text(m, GuideElement.LEGAL_TIME_LIMIT)
        return f"{m.name}的办结时限：{limit.notes.rstrip('。')}。"
    text = f"{m.name}" + "，".join(parts) + "。"
    return text + (limit.notes.rstrip("。") + "。" if limit.notes else "")


def _fee(m: Matter) -> str:
    if m.lacks(GuideElement.FEE):
        return not_published_text(m, GuideElement.FEE)
    if not m.fees:
        return f"{m.name}不收费。"
    items = [
        f"{fee.item}{fee.amount_yuan:g}元" + (f"（{fee.notes}）" if fee.notes else "")
        for fee in m.fees
    ]
    return f"{m.name}收费：" + "；".join(items) + "。"


def _place(m: Matter) -> str:
    if not m.locations:
        if m.lacks(GuideElement.PLACE):
            return f"{m.name}由{m.department}办理。" + not_published_text(m, GuideElement.PLACE)
        if not m.channels:
            return f"{m.name}由{m.department}办理。"
        return f"{m.name}由{m.department}办理，可通过{_channel_list(m)}办理。"
    items = []
    for loc in m.locations[:3]:
        where = loc.name + (f"{loc.window}" if loc.window and loc.window not in loc.name else "")
        items.append(where + (f"，{loc.hours}" if loc.hours else ""))
    return f"{m.name}的办理地点：" + "；".join(items) + "。"


def _channel_list(m: Matter) -> str:
    return "、".join(CHANNEL_NAMES[c] for c in m.channels)


def _channels(m: Matter) -> str:
    kiosk = "本自助机可以办理，点击下方按钮进入。" if m.kiosk_available else "本自助机暂不能办理。"
    return f"{m.name}可通过{_channel_list(m)}办理；{kiosk}"


def _process(m: Matter) -> str:
    steps = [s.name + (f"：{s.description}" if s.description else "") for s in m.process]
    return f"{m.name}的办理流程：{_numbered(steps)}。"


def _result(m: Matter) -> str:
    if m.result is None:
        return not_published_text(m, GuideElement.RESULT)
    delivery = f"，{m.result.delivery}" if m.result.delivery else ""
    return f"{m.name}办结后您将得到：{m.result.name}{delivery}。"


def _progress(m: Matter) -> str:
    if m.progress_query:
        how = m.progress_query
    elif m.consultation_phone:
        how = f"可拨打咨询电话{m.consultation_phone}查询"
    else:
        how = f"办事指南未公布查询方式，可拨打政务服务热线{GOVERNMENT_HOTLINE}查询"
    return f"{m.name}的办理进度：{how.rstrip('。')}。"


def _overview(m: Matter) -> str:
    parts = [f"{m.name}由{m.department}办理。"]
    if m.conditions:
        parts.append(f"主要条件：{m.conditions[0].rstrip('。')}。")
    if m.materials:
        materials = "、".join(x.name for x in m.materials[:3])
        more = "等" if len(m.materials) > 3 else ""
        parts.append(f"需要带：{materials}{more}。")
    missing = [GUIDE_ELEMENT_NAMES[e] for e in (GuideElement.CONDITIONS, GuideElement.MATERIALS)
               if m.lacks(e)]
    if unpublished_element(m, Aspect.TIME_LIMIT) is None:
        parts.append(_time_limit(m).removeprefix(m.name))
    else:
        missing.append("办结时限")
    if missing:
        parts.append("办事指南未公布" + "、".join(missing) + "。")
    if m.kiosk_available:
        parts.append("本自助机可以办理。")
    return "".join(parts)


RENDERERS: dict[Aspect, Callable[[Matter], str]] = {
    Aspect.OVERVIEW: _overview,
    Aspect.MATERIALS: _materials,
    Aspect.CONDITIONS: _conditions,
    Aspect.TIME_LIMIT: _time_limit,
    Aspect.FEE: _fee,
    Aspect.PLACE: _place,
    Aspect.PROCESS: _process,
    Aspect.CHANNELS: _channels,
    Aspect.RESULT: _result,
    Aspect.PROGRESS: _progress,
}


def section_text(matter: Matter, aspect: Aspect, hotline: str = GOVERNMENT_HOTLINE) -> str:
    """The answer text of ``aspect`` drawn from ``matter``'s own fields.

    When the guide does not publish what ``aspect`` asks, the text says so and gives the
    matter's consultation phone (``hotline`` if it has none); see :func:`unpublished_element`.
    """
    element = unpublished_element(matter, aspect)
    if element is not None:
        return not_published_text(matter, element, hotline)
    return RENDERERS[aspect](matter)


class ExtractiveComposer:
    """Answers from the matter's fields; the default and the fallback of every other composer.

    Usage example::

        draft = await ExtractiveComposer().compose("要带什么", matter, Aspect.MATERIALS)
        draft.sources[0].section   # "申请材料"
    """

    name = "extractive"

    def __init__(self, hotline: str = GOVERNMENT_HOTLINE, *, cache_size: int = 2048) -> None:
        """``hotline`` is given for matters whose guide publishes no consultation phone.

        Answers are kept in an LRU cache of ``cache_size`` entries keyed by matter code,
        published version and aspect: a published version never changes, and the spoken
        form (text normalization for TTS) costs tens of milliseconds per answer.
        """
        self.hotline = hotline
        self._cache: LRUCache[tuple[str, int, Aspect], Draft] = LRUCache(maxsize=cache_size)
        self._cache_lock = threading.Lock()

    async def compose(self, question: str, matter: Matter, aspect: Aspect) -> Draft:  # noqa: ARG002
        """Compose the answer about ``aspect`` of ``matter`` (the question is not needed)."""
        return self.compose_now(matter, aspect)

    def compose_now(self, matter: Matter, aspect: Aspect) -> Draft:
        """Synchronous form of :meth:`compose` (cached per matter version and aspect)."""
        key = (matter.code, matter.version, aspect)
        with self._cache_lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        draft = self._compose_uncached(matter, aspect)
        with self._cache_lock:
            self._cache[key] = draft
        return draft

    def _compose_uncached(self, matter: Matter, aspect: Aspect) -> Draft:
        body = section_text(matter, aspect, self.hotline)
        if matter.consultation_phone:
            phone = f"咨询电话：{matter.consultation_phone}。"
        else:
            phone = f"政务服务热线：{self.hotline}。"
        screen = f"{body}\n{phone}"
        return Draft(
            screen_text=screen,
            spoken_text=to_spoken(f"{body}{phone}"),
            sources=[
                Source(
                    matter_code=matter.code,
                    matter_name=matter.name,
                    section=SECTION_NAMES[aspect],
                )
            ],
            composer=self.name,
        )
