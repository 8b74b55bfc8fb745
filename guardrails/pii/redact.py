"""Replace personal-data spans with typed placeholders (``[身份证号]``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from guardrails.models import PiiSpan, PiiType

DEFAULT_PLACEHOLDERS: dict[PiiType, str] = {
    PiiType.ID_NUMBER: "[身份证号]",
    PiiType.PHONE: "[电话]",
    PiiType.BANK_CARD: "[银行卡号]",
    PiiType.EMAIL: "[邮箱]",
    PiiType.PASSPORT: "[护照号]",
    PiiType.TRAVEL_PERMIT: "[通行证号]",
    PiiType.SOCIAL_SECURITY: "[社保号]",
    PiiType.PLATE: "[车牌号]",
    PiiType.ADDRESS: "[地址]",
    PiiType.NAME: "[姓名]",
}


def apply_redaction(
    text: str, spans: Sequence[PiiSpan], placeholders: Mapping[PiiType, str] = DEFAULT_PLACEHOLDERS
) -> str:
    """``text`` with each (non-overlapping) span replaced by its type's placeholder."""
    out: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < cursor:
            continue
        out.append(text[cursor : span.start])
        out.append(placeholders.get(span.type, "[个人信息]"))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
