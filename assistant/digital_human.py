"""Digital-human presenter scripts for a matter or an answer (GB/T 47483 §7.6 b).

A :class:`Script` is an ordered list of :class:`Segment` objects — text, SSML, gesture and
emotion tags, a subtitle and an estimated duration (ms) — that a digital-human renderer plays.
Every script opens with the AI disclosure (§9.4.1 c: "AI生成，仅供参考") and closes with the
consultation channel. Elderly pacing (§7.4 e) speaks slower and pauses longer.

Durations are estimates from the speaking rate: 4.5 Chinese characters per second standard,
3.2 elderly, plus the pause after each segment.

``GET /v1/matters/{code}/script?pace=elderly&format=ssml`` serves them.

Example:
    >>> script = script_for_matter(matter, Pace.ELDERLY)
    >>> script.total_ms, to_ssml(script)[:7]
    (41250, '<speak ')
"""

from __future__ import annotations

import re
from enum import StrEnum
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict, Field

from assistant.generate.extractive import GOVERNMENT_HOTLINE
from guardrails.models import AI_LABEL
from knowledge.models import GUIDE_ELEMENT_NAMES, GuideElement, Matter
from speech.models import Pace
from speech.spoken_text import normalize_for_speech

DISCLOSURE = f"您好，我是智能导办助手。{AI_LABEL}，具体请以窗口办理为准。"

_CHARS_PER_S = {Pace.STANDARD: 4.5, Pace.ELDERLY: 3.2}
_PAUSE_MS = {Pace.STANDARD: 400, Pace.ELDERLY: 800}
_SSML_RATE = {Pace.STANDARD: "medium", Pace.ELDERLY: "slow"}
_SUBTITLE_CHARS = 18


class Gesture(StrEnum):
    """Presenter gestures a renderer maps to animations."""

    GREET = "greet"
    EXPLAIN = "explain"
    LIST = "list"
    POINT_SCREEN = "point_screen"
    BOW = "bow"


class Emotion(StrEnum):
    """Presenter expression."""

    WARM = "warm"
    NEUTRAL = "neutral"
    ATTENTIVE = "attentive"


class Segment(BaseModel):
    """One spoken segment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    text: str = Field(description="What the screen shows")
    spoken_text: str = Field(description="What is said (normalized for speech)")
    ssml: str
    gesture: Gesture
    emotion: Emotion
    subtitle: list[str] = Field(description="Subtitle lines of at most 18 characters")
    duration_ms: int = Field(ge=0, description="Estimated duration including the pause (ms)")


class Script(BaseModel):
    """A presenter script, opening with the AI disclosure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_code: str | None = None
    pace: Pace
    segments: list[Segment]
    label: str = AI_LABEL

    @property
    def total_ms(self) -> int:
        """Estimated total duration (ms)."""
        return sum(s.duration_ms for s in self.segments)


def _subtitle(text: str) -> list[str]:
    lines: list[str] = []
    for clause in re.split(r"(?<=[，。；！？])", text):
        while clause:
            lines.append(clause[:_SUBTITLE_CHARS])
            clause = clause[_SUBTITLE_CHARS:]
    return [line for line in lines if line.strip()]


def _segment(index: int, text: str, pace: Pace, gesture: Gesture, emotion: Emotion) -> Segment:
    spoken = normalize_for_speech(text)
    chars = len(re.sub(r"[\s，。；：、！？,.;:]", "", spoken))
    duration = round(chars / _CHARS_PER_S[pace] * 1000) + _PAUSE_MS[pace]
    ssml = (f'<prosody rate="{_SSML_RATE[pace]}">{escape(spoken)}</prosody>'
            f'<break time="{_PAUSE_MS[pace]}ms"/>')
    return Segment(index=index, text=text, spoken_text=spoken, ssml=ssml, gesture=gesture,
                   emotion=emotion, subtitle=_subtitle(text), duration_ms=duration)


def _build(parts: list[tuple[str, Gesture, Emotion]], pace: Pace,
           matter_code: str | None) -> Script:
    parts = [(DISCLOSURE, Gesture.GREET, Emotion.WARM), *parts]
    return Script(matter_code=matter_code, pace=pace, segments=[
        _segment(i, text, pace, gesture, emotion) for i, (text, gesture, emotion)
        in enumerate(parts) if text.strip()
    ])


_SPOKEN_ELEMENTS = frozenset({
    GuideElement.CONDITIONS, GuideElement.MATERIALS, GuideElement.PROCESS,
    GuideElement.LEGAL_TIME_LIMIT, GuideElement.FEE,
})
"""Unpublished elements the matter presentation names (those it would otherwise present)."""


def script_for_matter(matter: Matter, pace: Pace = Pace.STANDARD) -> Script:
    """Present a matter: what it is, who may apply, materials, steps, time limit, fees, phone."""
    m = matter
    parts: list[tuple[str, Gesture, Emotion]] = [
        (f"下面为您介绍“{m.name}”，由{m.department}办理。", Gesture.EXPLAIN, Emotion.NEUTRAL),
    ]
    if m.conditions:
        parts.append(("办理条件：" + "；".join(m.conditions[:2]) + "。", Gesture.EXPLAIN,
                      Emotion.ATTENTIVE))
    if m.materials:
        materials = "、".join(x.name for x in m.materials[:5])
        parts.append((f"需要准备的材料有：{materials}。", Gesture.LIST, Emotion.ATTENTIVE))
    if m.process:
        steps = "，".join(f"第{i}步{s.name}" for i, s in enumerate(m.process[:5], start=1))
        parts.append((f"办理流程是：{steps}。", Gesture.LIST, Emotion.NEUTRAL))
    limit = m.time_limit.promised_working_days
    if limit is None:
        limit = m.time_limit.legal_working_days
    if limit == 0:
        parts.append(("符合条件的，当场办结。", Gesture.EXPLAIN, Emotion.WARM))
    elif limit is not None:
        parts.append((f"承诺办结时限为{limit}个工作日。", Gesture.EXPLAIN, Emotion.NEUTRAL))
    if not m.lacks(GuideElement.FEE):
        fee = "不收费。" if not m.fees else "收费项目：" + "；".join(
            f"{f.item}{f.amount_yuan:g}元" for f in m.fees) + "。"
        parts.append((fee, Gesture.EXPLAIN, Emotion.NEUTRAL))
    missing = [GUIDE_ELEMENT_NAMES[e] for e in m.unpublished if e in _SPOKEN_ELEMENTS]
    if missing:
        parts.append(("办事指南未公布" + "、".join(missing) + "。", Gesture.EXPLAIN,
                      Emotion.NEUTRAL))
    if m.kiosk_available:
        parts.append(("本事项可以在这台自助终端上办理，请点击屏幕上的办理按钮。",
                      Gesture.POINT_SCREEN, Emotion.WARM))
    phone = (f"咨询电话{m.consultation_phone}" if m.consultation_phone
             else f"政务服务热线{GOVERNMENT_HOTLINE}")
    parts.append((f"如有疑问，请拨打{phone}，或到窗口咨询。", Gesture.BOW, Emotion.WARM))
    return _build(parts, pace, m.code)


def script_for_answer(text: str, pace: Pace = Pace.STANDARD,
                      matter_code: str | None = None) -> Script:
    """Present any answer text: the disclosure, then one segment per sentence."""
    body = text.replace(AI_LABEL, "").strip("，。 \n")
    sentences = [s for s in re.split(r"(?<=[。！？\n])", body) if s.strip()]
    parts = [(s.strip(), Gesture.EXPLAIN, Emotion.NEUTRAL) for s in sentences]
    return _build(parts, pace, matter_code)


def to_ssml(script: Script) -> str:
    """The whole script as one SSML document (zh-CN)."""
    body = "".join(s.ssml for s in script.segments)
    return ('<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" '
            f'xml:lang="zh-CN">{body}</speak>')
