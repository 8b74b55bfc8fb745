"""Turn screen text into text a voice reads naturally (GB/T 47483 §7.4 e, §7.6 a).

Phones and codes are read digit by digit (1 as 幺), clock times as 点/分, ranges with 至,
other numbers as Chinese numerals (cn2an), and symbols the voice would read out are removed.
"""

from __future__ import annotations

import re

import cn2an

_DIGITS = "零幺二三四五六七八九"
_PHONE = re.compile(r"(?<![\d.])(?:0\d{2,3}-\d{7,8}|\d{5,}(?:-\d{3,})*)(?![\d.])")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_RANGE = re.compile(r"(?<=[\d点分半])\s*[-~—–至]\s*(?=\d)")
_LIST_NUMBER = re.compile(r"(?:(?<=^)|(?<=[\s；;。：:]))(\d{1,2})[.、)]\s*", re.MULTILINE)
_SYMBOLS = re.compile(r"[《》【】\[\]「」『』<>*#|_/\\]")
_BRACKETS = re.compile(r"[（(]([^）)]*)[）)]")


def _digit_by_digit(match: re.Match[str]) -> str:
    return "".join(_DIGITS[int(c)] if c.isdigit() else "，" for c in match.group(0))


def _clock(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    spoken = f"{hour}点"
    if minute == 30:
        spoken += "半"
    elif minute:
        spoken += f"{minute}分"
    return spoken


def to_spoken(text: str) -> str:
    """Rewrite ``text`` for speech synthesis.

    Example: ``"咨询电话：12345；工作日 9:00-12:00，工本费20元"`` becomes
    ``"咨询电话，幺二三四五；工作日 九点至十二点，工本费二十元"``.
    """
    text = _PHONE.sub(_digit_by_digit, text)
    text = _TIME.sub(_clock, text)
    text = _RANGE.sub("至", text)
    text = _LIST_NUMBER.sub(lambda m: f"第{m.group(1)}，", text)
    text = _BRACKETS.sub(r"，\1，", text)
    text = _SYMBOLS.sub("", text)
    text = text.replace("：", "，").replace(":", "，")
    text = text.replace("\n", "")
    text = cn2an.transform(text, "an2cn")
    text = re.sub(r"，\s*，", "，", text)
    return re.sub(r"，([。；])", r"\1", text).strip("， ")
