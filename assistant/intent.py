"""Intent recognition: what the citizen wants, and which aspect of a matter they ask about.

Keyword rules, in the order of :meth:`IntentClassifier.classify` (GB/T 47483 §7.6 a: keyword
and one-click direct recognition): help (一键求助) → fill a form → chit-chat → direct route
("我要办居住证", "打开公积金提取") → a question about a matter. Whether the question is out
of scope is decided after retrieval, by the pipeline.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from assistant.models import Intent, IntentKind
from knowledge.models import Aspect
from knowledge.text import normalize

ASPECT_CUES: dict[Aspect, tuple[str, ...]] = {
    Aspect.PROGRESS: ("进度", "办好了没", "办好没", "到哪一步", "审批到哪", "办到哪", "progress",
                      "status of my"),
    Aspect.MATERIALS: ("材料", "带什么", "带啥", "带哪些", "拿什么", "拿啥", "准备什么", "准备啥",
                       "准备哪些", "资料", "要啥东西", "要什么东西", "提交什么", "什么证件",
                       "哪些证件", "documents", "bring", "materials", "paperwork"),
    Aspect.CHANNELS: ("网上", "线上", "手机上", "手机办", "自助机", "这台机器", "机器上",
                      "这里能办", "这能办", "在这办", "app", "online", "kiosk"),
    Aspect.TIME_LIMIT: ("多久", "多长时间", "几天", "时限", "多少天", "几个工作日", "多快",
                        "什么时候能拿", "什么时候拿", "啥时候", "how long", "how many days"),
    Aspect.FEE: ("多少钱", "收费", "费用", "要钱", "花钱", "工本费", "免费", "收钱", "交钱",
                 "how much", "fee", "cost"),
    Aspect.PLACE: ("在哪", "哪里办", "去哪", "地点", "地址", "窗口", "哪个部门", "哪儿办",
                   "上哪", "where"),
    Aspect.CONDITIONS: ("条件", "要求", "什么人可以", "谁可以", "哪些人", "什么人能", "能不能办",
                        "可以办吗", "能办吗", "who can", "eligib", "requirement"),
    Aspect.RESULT: ("拿到什么", "结果", "发什么", "领什么", "给什么证", "what do i get"),
    Aspect.PROCESS: ("流程", "步骤", "程序", "怎么办理", "怎么申请", "办理方式", "几步",
                     "process", "steps", "procedure"),
}
"""Words that say which aspect is asked; the first aspect whose cue appears wins."""

HELP_CUES = ("一键求助", "求助", "人工服务", "转人工", "找人工", "工作人员", "叫人来",
             "need help", "staff")
"""Cues that always mean the citizen wants a person (一键求助, §7.4 b)."""
WEAK_HELP_CUES = ("帮帮我", "不会用", "找人帮", "看不懂", "听不清", "不会弄", "help me", "help")
"""Cues that mean help only in a short utterance ("我不会用" yes; a long question no)."""
WEAK_HELP_MAX_CHARS = 12
FORM_CUES = ("填表", "填写表", "帮我填", "预填", "填个表", "填单", "申请表", "fill in", "form")
CHITCHAT = re.compile(
    r"^(你好|您好|hi|hello|嗨|谢谢|谢谢你|多谢|再见|拜拜|你是谁|你叫什么|早上好|下午好|晚上好|"
    r"thanks|thank you|bye|你好呀|在吗)[!！。.?？啊呀]*$"
)
DIRECT_LEAD = re.compile(r"^(我要|我想|帮我|请帮我|给我|打开|进入|开始办|去办|open |go to )")
QUESTION = re.compile(r"[?？吗呢么]|什么|怎么|咋|如何|哪|多久|多少|几|能不能|可不可以|是否|how|what")  # noqa: E501 - data/regex/table row kept on one line
FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|then|and)|^.{0,6}$")
REQUIREMENT = re.compile(
    r"^(?P<topic>[^，,。？?]*?)(?:需不需要|要不要|得不得|需要|必须|要|得)先?(?P<bring>带|拿|交|提供|提交"
    r"|准备|出示|复印)?(?P<thing>[^，,。？?]*?)(?:吗|么|嘛|不|没有)?[?？!！。.]*$"
)
"""A yes/no question whether something is required: "要带出生证明吗", "户口本要带吗", "需要
提供婚姻状况证明吗", "要先上户口吗". What is required (the thing after the verb, else the
fronted topic) is an argument of the question, not the matter it is about (see
:func:`requirement`)."""
_YES_NO = re.compile(r"(吗|么|嘛|不|没有)[?？!！。.]*$|需不需要|要不要|得不得")
_WH = re.compile(r"什么|啥|哪|多久|多少|几|怎么|咋|如何|谁")
_ACTION_OBJECT = re.compile(r"^(办|申请|申领|补办|去办)")


class Requirement(NamedTuple):
    """A yes/no requirement question, split.

    ``topic`` is what it is about ("" when the thing was fronted: "户口本要带吗"), ``thing``
    what is asked to be required, ``brings`` whether a verb of bringing or handing in
    (带, 交, 提供…) says the thing is a document (a material).
    """

    topic: str
    thing: str
    brings: bool


def requirement(text: str) -> Requirement | None:
    """Split a yes/no requirement question (:data:`REQUIREMENT`), else None.

    ``text`` is normalized. Wh-questions ("要带什么") are not requirement questions (their
    aspect cues say what they ask), nor is "需要办居住证吗" (it asks about a matter).
    Example: ``"户口本要带吗"`` → topic "", thing "户口本", brings True.
    """
    if not _YES_NO.search(text):
        return None
    found = REQUIREMENT.match(text)
    if found is None:
        return None
    topic, thing = found["topic"], found["thing"]
    if not thing:
        topic, thing = "", topic
    if not thing or _WH.search(thing) or _ACTION_OBJECT.match(thing):
        return None
    return Requirement(topic=topic, thing=thing, brings=bool(found["bring"]))


class IntentClassifier:
    """Classify a screened, redacted question into an :class:`~assistant.models.Intent`."""

    def classify(self, text: str) -> Intent:
        """Return the intent of ``text`` (already normalized and redacted).

        Example: ``"那要多久"`` → ask_matter, aspect time_limit, follow_up=True.
        """
        norm = normalize(text)
        aspect, explicit = self.aspect(norm)
        follow_up = explicit and bool(FOLLOW_UP.search(norm))
        if any(_has_cue(norm, cue) for cue in HELP_CUES) or (
            len(norm) <= WEAK_HELP_MAX_CHARS and any(_has_cue(norm, c) for c in WEAK_HELP_CUES)
        ):
            return Intent(kind=IntentKind.HELP)
        if any(_has_cue(norm, cue) for cue in FORM_CUES):
            return Intent(kind=IntentKind.FILL_FORM, follow_up=True)
        if CHITCHAT.match(norm):
            return Intent(kind=IntentKind.CHITCHAT)
        if DIRECT_LEAD.match(norm) and not QUESTION.search(norm) and not explicit:
            return Intent(kind=IntentKind.GO_TO_MATTER)
        return Intent(
            kind=IntentKind.ASK_MATTER, aspect=aspect, aspect_explicit=explicit, follow_up=follow_up
        )

    @staticmethod
    def aspect(text: str) -> tuple[Aspect, bool]:
        """The aspect asked about and whether the question named it (else overview, False).

        A cue names it (:data:`ASPECT_CUES`, first match wins); failing that, a yes/no
        question whether a document is required (:func:`requirement`) asks for materials.
        """
        for aspect, cues in ASPECT_CUES.items():
            if any(_has_cue(text, cue) for cue in cues):
                return aspect, True
        asked = requirement(text)
        if asked is not None and (asked.brings or not asked.topic):
            # "要带出生证明吗", "需要预防接种证吗": whether a document is among the materials
            return Aspect.MATERIALS, True
        return Aspect.OVERVIEW, False


def _has_cue(text: str, cue: str) -> bool:
    """Chinese cues match as substrings; English cues only as whole words ("app" ≠ "apply")."""
    if cue.isascii():
        return re.search(rf"\b{re.escape(cue)}\b", text) is not None
    return cue in text
