"""Normalise the free text of official guides into matter fields.

Catalogues write the same thing many ways: ``20个工作日``, ``20``, ``即办``, ``90个自然日``;
``020-38356454转1``, ``（0662）3681111``, three numbers in one cell; lists in one cell split by
``；`` or line breaks. Each function here returns the normalised value and, where it had to
drop or reinterpret something, a note (in Chinese, for the import report) that never repeats
the source text, so a stray personal detail in a cell cannot reach a report or a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.models import MatterType

_DAYS = re.compile(r"^\s*(\d{1,4})\s*(个)?\s*(工作日|工作天|天|日|个自然日|自然日)?\s*$")
_CN_DAYS = re.compile(r"^\s*([零〇一二两三四五六七八九十百]+)\s*个?\s*(工作日|自然日)\s*$")
_ON_THE_SPOT = re.compile(r"^\s*(即办|即时办结|当场办结|立即办结|当日办结|即来即办)\s*$")


@dataclass(frozen=True)
class TimeLimitValue:
    """A parsed time limit: working days, or a note when the limit is not in working days."""

    working_days: int | None
    note: str = ""


def _cn_number(text: str) -> int | None:
    import cn2an  # local: cn2an loads its tables on import

    try:
        return int(cn2an.cn2an(text, "smart"))
    except ValueError:
        return None


def parse_time_limit(text: str | int | None, *, label: str) -> tuple[TimeLimitValue, str | None]:
    """Parse a time limit cell (``20个工作日``, ``20``, ``即办``, ``90个自然日``).

    Bare numbers are working days (the unit of 实施清单 time-limit columns). Limits in natural
    days (自然日) cannot be converted to working days: they are kept as a note naming
    ``label`` (e.g. ``法定办结时限：90个自然日``), which is official text, not a guess.

    Args:
        text: the cell; None or blank means not given.
        label: the limit's name for notes (法定办结时限 or 承诺办结时限).

    Returns:
        The parsed value and a report note when the text could not be read (else None).
    """
    if text is None:
        return TimeLimitValue(None), None
    if isinstance(text, int):
        return TimeLimitValue(text if 0 <= text <= 3650 else None), None
    value = text.strip()
    if not value or value in {"无", "-", "—", "/"}:
        return TimeLimitValue(None), None
    if _ON_THE_SPOT.match(value):
        return TimeLimitValue(0), None
    match = _DAYS.match(value)
    days: int | None = None
    unit = ""
    if match:
        days, unit = int(match.group(1)), match.group(3) or "工作日"
    else:
        cn = _CN_DAYS.match(value)
        if cn:
            days, unit = _cn_number(cn.group(1)), cn.group(2)
    if days is None or days > 3650:
        return TimeLimitValue(None), f"{label}无法识别为工作日，未导入"
    if "自然日" in unit:
        return TimeLimitValue(None, note=f"{label}：{days}个自然日"), None
    if unit in {"天", "日"}:
        return TimeLimitValue(days), f"{label}未注明工作日，按工作日导入"
    return TimeLimitValue(days), None


_PHONE = re.compile(
    r"[(（]0\d{2,3}[)）]\s*\d{7,8}"  # (0662)3681111
    r"|0\d{2,3}\s*[-－–—]\s*\d{5,8}(?:\s*(?:转|-)\s*\d{1,6})?"  # 020-38356454转1, 020-12345
    r"|1[3-9]\d{9}"  # mobile
    r"|(?<!\d)\d{5,8}(?!\d)"  # 12345, 12348, local numbers
)


def extract_phones(text: str | None) -> list[str]:
    """Every phone number in ``text``, normalised to digits and hyphens (``转`` becomes ``-``).

    ``（0662）3681111`` → ``0662-3681111``; ``020- 12316`` → ``020-12316``. Numbers longer than
    20 characters after normalisation are dropped.
    """
    if not text:
        return []
    phones: list[str] = []
    for raw in _PHONE.findall(text):
        phone = re.sub(r"[(（]", "", raw)
        phone = re.sub(r"[)）]\s*", "-", phone)
        phone = re.sub(r"\s*(?:转|[-－–—])\s*", "-", phone).replace(" ", "")
        if 3 <= len(phone) <= 20 and phone not in phones:
            phones.append(phone)
    return phones


def first_phone(text: str | None, *, label: str) -> tuple[str | None, str | None]:
    """The first phone number of a phone cell, and a report note when others were dropped.

    Returns:
        (phone or None, note or None). A cell with text but no readable number gives a note.
    """
    phones = extract_phones(text)
    if not phones:
        return None, (f"{label}无法识别，未导入" if text and text.strip() else None)
    if len(phones) > 1:
        return phones[0], f"{label}含{len(phones)}个号码，保留第一个"
    return phones[0], None


_LIST_SPLIT = re.compile(r"[\n\r]+|[；;]\s*")


def split_items(value: str | list[str] | None, pattern: str | None = None) -> list[str]:
    """A list cell as items: split text by ``pattern`` (default line breaks and ``；``).

    Lists pass through. Blank items are dropped; each item is stripped.
    """
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value if v is not None]
    else:
        splitter = re.compile(pattern) if pattern else _LIST_SPLIT
        items = splitter.split(str(value))
    return [item.strip() for item in items if item and item.strip()]


_MATTER_TYPES = {t.value: t for t in MatterType}
_TYPE_ALIASES = {"其他权力": MatterType.OTHER_POWER, "其它行政权力": MatterType.OTHER_POWER}


def matter_type(text: str | None) -> tuple[MatterType | None, str | None]:
    """The :class:`MatterType` named by ``text``, and a note when it names none."""
    if text is None or not text.strip():
        return None, None
    value = text.strip()
    found = _MATTER_TYPES.get(value) or _TYPE_ALIASES.get(value)
    if found is None:
        return None, "事项类型不在国家权力类型之列，未导入"
    return found, None


_FREE = re.compile(r"^\s*(不收费|免费|无|无收费|零收费|0元?)\s*[。.]?\s*$")
_FEE_ITEM = re.compile(r"([^\d；;，,。]{1,40}?)\s*(\d+(?:\.\d+)?)\s*元")


def parse_fees(text: str | None) -> tuple[list[dict[str, object]] | None, str | None]:
    """Fee items from a fee cell: ``[]`` for free, items for ``工本费10元``, None if unknown.

    Returns:
        (fee item dicts for :class:`knowledge.models.Fee` or None when not given or not
        readable, note or None).
    """
    if text is None or not text.strip():
        return None, None
    if _FREE.match(text):
        return [], None
    items = [
        {"item": item.strip(" ：:，,"), "amount_yuan": float(amount)}
        for item, amount in _FEE_ITEM.findall(text)
        if item.strip(" ：:，,")
    ]
    if not items:
        return None, "收费标准无法识别为收费项目，按未公布导入"
    return items, None
