"""Turn screen text into text a voice reads naturally (GB/T 47483 §7.4 e, §7.6 a).

Layout is rewritten for the ear — list markers become 第一、第二, brackets become pauses,
symbols a voice would read out are dropped — and then numbers, phones, dates and clock
times are normalized by :func:`speech.spoken_text.normalize_for_speech` (phones digit by
digit with 1 as 幺, working days and money as Chinese numerals).
"""

from __future__ import annotations

import re

from speech.spoken_text import cardinal, normalize_for_speech

_LIST_NUMBER = re.compile(r"(?:(?<=^)|(?<=[\s；;。：:]))(\d{1,2})[.、)]\s*", re.MULTILINE)
_SYMBOLS = re.compile(r"[《》【】\[\]「」『』<>*#|_/\\]")
_BRACKETS = re.compile(r"[（(]([^）)]*)[）)]")


def to_spoken(text: str) -> str:
    """Rewrite ``text`` for speech synthesis.

    Example: ``"咨询电话：12345；工作日 9:00-12:00，工本费20元"`` becomes
    ``"咨询电话，幺二三四五；工作日 九点至十二点，工本费二十元"``.
    """
    text = _LIST_NUMBER.sub(lambda m: f"第{cardinal(int(m.group(1)))}，", text)
    text = _BRACKETS.sub(r"，\1，", text)
    text = _SYMBOLS.sub("", text)
    text = text.replace("\n", "").replace("：", "，")
    text = normalize_for_speech(text)
    text = re.sub(r"，\s*，", "，", text)
    return re.sub(r"，([。；])", r"\1", text).strip("， ")
