"""Typed facts in Chinese guide text: time limits, fees, dates, times of day, phones, counts.

The grounding rail compares the facts of an answer with those of the cited matter's text:
``承诺7个工作日`` is a duration of 7 working days and is grounded only by a duration of 7
working days in the matter, not by a ``7`` anywhere in it (a date, a phone, an article number).
Chinese numerals are read with cn2an (``十五个工作日`` → 15 working days); ``免费`` and
``不收费`` are a fee of 0 yuan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import cn2an

_CN_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百千万]+(?=[个天日元份张年月周次小时分钟岁万角页本项块寸])"
)
_LIST_MARKER = re.compile(r"(?:^|\n)\s*[(（]?\d{1,2}[.、)）]|第\d{1,2}(?:步|项|条|点|个步骤)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class FactKind(StrEnum):
    """What a figure measures."""

    DURATION = "duration"
    MONEY = "money"
    DATE = "date"
    TIME_OF_DAY = "time_of_day"
    PHONE = "phone"
    COUNT = "count"
    PERCENT = "percent"
    NUMBER = "number"


@dataclass(frozen=True)
class Fact:
    """One figure: its kind, unit (``工作日``, ``天``, ``元``, ``份``…) and value as text.

    Values are normalised: ``20.0`` → ``20``, a date is ``YYYY-MM-DD`` (or ``YYYY-MM``,
    ``YYYY``), a phone is its digits, a time of day ``HH:MM``.
    """

    kind: FactKind
    value: str
    unit: str = ""
    surface: str = ""


_DURATION_UNITS = {"工作日": "工作日", "个工作日": "工作日", "日": "天", "天": "天", "个月": "月",
                   "月": "月", "年": "年", "周": "周", "个星期": "周", "星期": "周",
                   "小时": "小时", "个小时": "小时", "分钟": "分钟"}  # fmt: skip
_COUNT_UNITS = "份|张|页|本|项|次|人|周岁|岁|寸|件|套|个"
_PATTERNS: list[tuple[FactKind, re.Pattern[str]]] = [
    (FactKind.DATE, re.compile(r"(?P<y>(?:19|20)\d{2})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*"
                               r"(?:(?P<d>\d{1,2})\s*[日号]?)?")),
    (FactKind.DATE, re.compile(r"(?P<y>(?:19|20)\d{2})\s*年(?![内度以])")),
    (FactKind.TIME_OF_DAY, re.compile(r"(?<!\d)(?P<h>[0-2]?\d)\s*[:：]\s*(?P<mi>[0-5]\d)(?!\d)")),
    (FactKind.PHONE, re.compile(r"(?<![\d.])(?:\(?0\d{2,3}\)?[\s\-]?)?\d{7,8}(?![\d.])"
                                r"|(?<![\d.])1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}(?![\d.])")),
    (FactKind.MONEY, re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>万元|元|块钱|块)")),
    (FactKind.PERCENT, re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*%|百分之(?P<n2>\d+(?:\.\d+)?)")),
    (FactKind.DURATION, re.compile(
        r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>个工作日|工作日|个小时|小时|分钟|个月|个星期|星期|周|天|日(?!期))"
    )),
    (FactKind.COUNT, re.compile(rf"(?P<n>\d+)\s*(?P<u>{_COUNT_UNITS})")),
]  # fmt: skip
_FREE = re.compile(r"免费|不收费|不收取任何?费用|无需缴费|不需要?缴费|不需要?交钱|无收费|零收费")


def arabic_numerals(text: str) -> str:
    """``text`` with Chinese numerals before a unit made Arabic (``十五个`` → ``15个``; cn2an)."""

    def convert(match: re.Match[str]) -> str:
        try:
            value = cn2an.cn2an(match.group(0), "smart")
        except (ValueError, KeyError, IndexError):
            return match.group(0)
        return f"{value:g}" if isinstance(value, float) else str(value)

    return _CN_NUMBER.sub(convert, text)


def _number(text: str) -> str:
    return f"{float(text):g}"


def _fact(kind: FactKind, match: re.Match[str]) -> Fact:
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    surface = match.group(0)
    if kind is FactKind.DATE:
        parts = [groups["y"]] + [f"{int(groups[k]):02d}" for k in ("m", "d") if k in groups]
        return Fact(kind, "-".join(parts), surface=surface)
    if kind is FactKind.TIME_OF_DAY:
        return Fact(kind, f"{int(groups['h']):02d}:{groups['mi']}", surface=surface)
    if kind is FactKind.PHONE:
        return Fact(kind, re.sub(r"\D", "", surface), surface=surface)
    number = groups.get("n") or groups.get("n2") or "0"
    unit = groups.get("u", "")
    if kind is FactKind.MONEY:
        value = float(number) * (10000 if unit == "万元" else 1)
        return Fact(kind, f"{value:g}", "元", surface)
    if kind is FactKind.DURATION:
        return Fact(kind, _number(number), _DURATION_UNITS.get(unit, unit), surface)
    return Fact(kind, _number(number), unit, surface)


def extract_facts(text: str, *, skip_list_markers: bool = False) -> list[Fact]:
    """Every figure in ``text`` as a typed fact; each character belongs to one fact at most.

    Args:
        text: Guide text or an answer.
        skip_list_markers: Ignore list numbering (``1.``, ``第2步``), as in answers.

    Returns:
        Facts in order of appearance; figures no pattern types are ``NUMBER`` facts.
    """
    converted = arabic_numerals(text)
    if skip_list_markers:
        converted = _LIST_MARKER.sub(lambda m: " " * len(m.group(0)), converted)
    taken = [False] * len(converted)
    found: list[tuple[int, Fact]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(converted):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            found.append((start, _fact(kind, match)))
    for match in _FREE.finditer(converted):
        found.append((match.start(), Fact(FactKind.MONEY, "0", "元", match.group(0))))
    for match in _NUMBER.finditer(converted):
        if not any(taken[match.start() : match.end()]):
            found.append((match.start(), Fact(FactKind.NUMBER, _number(match.group(0)),
                                              surface=match.group(0))))  # fmt: skip
    return [fact for _, fact in sorted(found, key=lambda pair: pair[0])]


def numbers_in(text: str, *, skip_list_markers: bool = False) -> set[str]:
    """The bare digit tokens of ``text`` (Chinese numerals before a unit included)."""
    converted = arabic_numerals(text)
    if skip_list_markers:
        converted = _LIST_MARKER.sub(" ", converted)
    tokens: set[str] = set()
    for token in re.findall(r"\d+(?:[.\-]\d+)*", converted):
        tokens.add(token)
        tokens.update(re.split(r"[.\-]", token))
    return tokens
