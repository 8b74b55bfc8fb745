"""Text normalization for speech: what the screen shows → what the voice says.

Numbers, dates, clock times, percentages, fractions and measures are read by PyPI's ``wetext``
(its Chinese text-normalization FSTs ship in the wheel and run offline). daoban's own rules
run first, for what must be read differently from an ordinary number (applied in this order):

1. The AI label "AI生成，仅供参考" (GB/T 47483 §9.4.1 c) is read "本回答由人工智能生成，仅供参考";
   a bare "AI" is read "人工智能". URLs are dropped.
2. Phone numbers (landline ``0xx-xxxxxxxx``, mobile ``1xxxxxxxxxx``, hotlines such as 12345),
   ID numbers (GB 11643, 18 characters), codes (``HJ-0004``, ``A1234``) and any run of six or
   more digits are read digit by digit, with 1 as "幺" (the telephone reading).
3. Money ``¥1,200.50``, ``1200.5元`` → "一千二百元五角".
4. Working days: ``20个工作日`` / ``20工作日`` → "二十个工作日"; "~" between numbers → "至".

Then wetext (``2026-03-05`` → 二零二六年三月五日, ``9:00-17:30`` → 九点到十七点三十分, ``5%`` →
百分之五); symbols a voice cannot say (``#``, ``*``, markdown) are dropped last. When wetext
is not installed, daoban's older rules for dates, times, percentages and numbers stand in.

Example:
    >>> normalize_for_speech("咨询电话0571-12345678，20个工作日办结，AI生成，仅供参考")
    '咨询电话零五七幺，幺二三四五六七八，二十个工作日办结，本回答由人工智能生成，仅供参考'
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable
from typing import Any

_DIGITS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"
_UNITS = ((10**8, "亿"), (10**4, "万"), (1000, "千"), (100, "百"), (10, "十"))

AI_LABEL = "AI生成，仅供参考"
AI_LABEL_SPOKEN = "本回答由人工智能生成，仅供参考"


def cardinal(n: int) -> str:
    """Read a non-negative integer in Chinese: 1200 → 一千二百, 10 → 十, 105 → 一百零五."""
    if n < 0:
        return "负" + cardinal(-n)
    if n < 10:
        return _DIGITS[n]
    text = _cardinal(n)
    return text[1:] if text.startswith("一十") else text


def _cardinal(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    for value, name in _UNITS:
        if n >= value:
            head, rest = divmod(n, value)
            out = _cardinal(head) + name
            if rest:
                # a zero is read when the remainder skips a unit (1005 → 一千零五)
                out += ("零" if rest < value // 10 else "") + _cardinal(rest)
            return out
    return _DIGITS[n]  # pragma: no cover - n < 10 handled above


def digits(text: str, *, phone: bool = False) -> str:
    """Read a digit string one digit at a time; ``phone`` reads 1 as 幺."""
    table = _PHONE_DIGITS if phone else _DIGITS
    return "".join(table[int(c)] if c.isdigit() else "，" for c in text)


def decimal(text: str) -> str:
    """Read a decimal number: "2.5" → 二点五, "1,200" → 一千二百."""
    text = text.replace(",", "")
    whole, _, frac = text.partition(".")
    out = cardinal(int(whole or "0"))
    return out + ("点" + digits(frac) if frac else "")


def _money(match: re.Match[str]) -> str:
    amount = match.group("amount").replace(",", "")
    whole, _, frac = amount.partition(".")
    frac = (frac + "00")[:2]
    out = cardinal(int(whole or "0")) + "元"
    if frac[0] != "0":
        out += _DIGITS[int(frac[0])] + "角"
    if frac[1] != "0":
        out += ("零" if frac[0] == "0" else "") + _DIGITS[int(frac[1])] + "分"
    return out


def _date(match: re.Match[str]) -> str:
    year, month, day = match.group("y"), int(match.group("m")), int(match.group("d"))
    return f"{digits(year)}年{cardinal(month)}月{cardinal(day)}日"


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group("h")), int(match.group("min"))
    return f"{cardinal(hour)}点" + (f"{cardinal(minute)}分" if minute else "")


_Rules = tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]


def _code(match: re.Match[str]) -> str:
    return match.group("letters") + digits(match.group("number"), phone=True)


_BEFORE: _Rules = (
    (re.compile(re.escape(AI_LABEL)), AI_LABEL_SPOKEN),
    (re.compile(r"AI(?=生成)|(?<![A-Za-z])AI(?![A-Za-z])"), "人工智能"),
    (re.compile(r"https?://\S+"), ""),
    (re.compile(r"(?<!\d)(0\d{2,3})-(\d{7,8})(?!\d)"),
     lambda m: digits(m.group(1), phone=True) + "，" + digits(m.group(2), phone=True)),
    (re.compile(r"(?<!\d)(1[3-9]\d{9}|1\d{4}|400-?\d{3}-?\d{4}|9\d{4})(?!\d)"),
     lambda m: digits(m.group(1).replace("-", ""), phone=True)),
    (re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])"),
     lambda m: digits(m.group(1)[:17], phone=True) + m.group(1)[17:].upper().replace(
         "X", "叉").translate(str.maketrans("0123456789", _PHONE_DIGITS))),
    (re.compile(r"(?<![A-Za-z])(?P<letters>[A-Z]{1,4})-?(?P<number>\d{2,})(?!\d)"), _code),
    (re.compile(r"(?<![\d.,])\d{6,}(?![\d.,])"), lambda m: digits(m.group(0), phone=True)),
    (re.compile(r"[¥￥](?P<amount>\d[\d,]*(?:\.\d+)?)元?"), _money),
    (re.compile(r"(?P<amount>\d[\d,]*(?:\.\d+)?)\s*元"), _money),
    (re.compile(r"(\d+)\s*[-~～—至]\s*(\d+)\s*个?工作日"),
     lambda m: f"{cardinal(int(m.group(1)))}至{cardinal(int(m.group(2)))}个工作日"),
    (re.compile(r"(\d+)\s*个?工作日"), lambda m: cardinal(int(m.group(1))) + "个工作日"),
    (re.compile(r"(?<=\d)\s*[~～]\s*(?=\d)"), "至"),
    # A numbered option ("您想了解的是哪一项？1. 居住证申领；2. ...") read as wetext reads it
    # (一. / 十二.): a clarifying question then has no digit left and skips wetext (~6 ms).
    (re.compile(r"(?:^|(?<=[？?；;：:]))(\d{1,2})\.(?=\s)"),
     lambda m: cardinal(int(m.group(1))) + "."),
)
"""daoban's own readings, before wetext (see the module docstring)."""

_WITHOUT_WETEXT: _Rules = (
    (re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"), _date),
    (re.compile(r"(?<!\d)(?P<h>[01]?\d|2[0-3])[:：](?P<min>[0-5]\d)(?!\d)"), _time),
    (re.compile(r"(?<=\d)\s*[\-—]\s*(?=\d)"), "至"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*[%％]"), lambda m: "百分之" + decimal(m.group(1))),
    (re.compile(r"(?<=[点分])\s*[~～\-—]\s*(?=[零一二三四五六七八九十])"), "至"),
    (re.compile(r"\d[\d,]*(?:\.\d+)?"), lambda m: decimal(m.group(0))),
)
"""Stand-ins for wetext when it is not installed."""

_AFTER: _Rules = (
    (re.compile(r"[#*_`>|\[\]]+"), ""),
    (re.compile(r"\s+"), " "),
)


@functools.cache
def _wetext() -> Any:
    """The Chinese text normalizer (its import loads the FSTs once, ~0.3 s), or None when absent."""
    try:
        from wetext import Normalizer
    except ImportError:
        return None
    return Normalizer(lang="zh", operator="tn")


def load_normalizer() -> bool:
    """Load wetext's normalizer now, as the first text with digits would (its FSTs, ~0.3 s).

    For a pre-fork supervisor, so its workers share the loaded FSTs. Returns True when wetext
    is installed and loaded, False when the stand-in rules apply.
    """
    return _wetext() is not None


def _apply(rules: _Rules, text: str) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


@functools.cache
def _wetext_installed() -> bool:
    """True when wetext can be found, without importing it (its import loads the FSTs)."""
    return importlib.util.find_spec("wetext") is not None


def normalize_for_speech(text: str) -> str:
    """Rewrite screen text as it should be spoken (see the module docstring for the rules).

    wetext only rewrites digits: a text without any left after daoban's own readings (most
    answers: time limits, phones and fees are read by those) never loads it (~0.3 s of CPU).
    """
    text = _apply(_BEFORE, text)
    if any(c.isdigit() for c in text):
        normalizer = _wetext()
        if normalizer is None:
            text = _apply(_WITHOUT_WETEXT, text)
        else:
            text = str(normalizer.normalize(text))
    elif not _wetext_installed():
        text = _apply(_WITHOUT_WETEXT, text)
    return _apply(_AFTER, text).strip()
