"""Pattern recognizers for Chinese personal data: data-driven, after Presidio's shape.

A :class:`PatternRecognizer` is a list of :class:`Pattern` (name, regex, score), optional
context words that raise the score when they precede the match, and an optional validator
(GB 11643 check digit, Luhn) that confirms or demotes a match. Recognizers return
:class:`~guardrails.models.PiiSpan` — type, position and score, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from guardrails.models import PiiSpan, PiiType

Validator = Callable[[str], bool]
"""Takes the match with separators removed; True confirms it."""


class Recognizer(Protocol):
    """Anything that finds personal-data spans in a text."""

    name: str

    def analyze(self, text: str) -> list[PiiSpan]:
        """Spans found in ``text`` (character offsets)."""
        ...


@dataclass(frozen=True)
class Pattern:
    """A regular expression and the score of a bare match; ``group`` selects the value."""

    name: str
    regex: str
    score: float
    group: int = 0


@dataclass
class PatternRecognizer:
    """Regex patterns + context words + a validator hook.

    Args:
        name: Recognizer name, reported in :attr:`PiiSpan.recognizer`.
        entity: The :class:`PiiType` it finds.
        patterns: Patterns tried in order; overlapping matches are resolved by the analyzer.
        context: Words that, within ``context_window`` characters before a match, add
            ``context_boost`` to its score.
        validator: Called with the match stripped of spaces and dashes; True sets the score to
            ``validated_score``, False multiplies it by ``invalid_factor``.
    """

    name: str
    entity: PiiType
    patterns: list[Pattern]
    context: tuple[str, ...] = ()
    context_window: int = 12
    context_boost: float = 0.35
    validator: Validator | None = None
    validated_score: float = 1.0
    invalid_factor: float = 0.3
    _compiled: list[tuple[Pattern, re.Pattern[str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._compiled = [(p, re.compile(p.regex)) for p in self.patterns]

    def analyze(self, text: str) -> list[PiiSpan]:
        """Spans of :attr:`entity` in ``text``, scored in [0, 1]."""
        spans: list[PiiSpan] = []
        for pattern, regex in self._compiled:
            for match in regex.finditer(text):
                start, end = match.span(pattern.group)
                score = pattern.score
                if self.validator is not None:
                    value = re.sub(r"[\s\-]", "", match.group(pattern.group))
                    if self.validator(value):
                        score = self.validated_score
                    else:
                        score *= self.invalid_factor
                if self.context and self._has_context(text, start):
                    score = min(1.0, score + self.context_boost)
                spans.append(
                    PiiSpan(
                        type=self.entity,
                        start=start,
                        end=end,
                        score=round(score, 3),
                        recognizer=self.name,
                    )
                )
        return spans

    def _has_context(self, text: str, start: int) -> bool:
        window = text[max(0, start - self.context_window) : start]
        return any(word in window for word in self.context)


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠"
    "荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹"
    "井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰"
    "赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝"
    "智幸奉植衡富尧闭由赖傅阎萧洪凤贝钮丘庾"
)
"""Common single-character surnames (the names recognizer's list); 和 and 都 are left out:
they open ordinary phrases after a kinship word far more often (老伴都没, 孩子和财产)."""
