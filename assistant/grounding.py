"""The text an answer about a matter may cite: the matter's content, written out with units.

The grounding rail (``guardrails.rails.grounding``) extracts typed facts — time limits in
working days, fees in yuan, dates, phones, counts — from this text and checks every figure of
an answer against them. Only what the matter *says* is here: not its code, version, editor,
timestamps, links or form-field names, whose digits would let invented figures pass.
"""

from __future__ import annotations

from knowledge.models import GuideElement, MatterContent


def _yuan(amount: float) -> str:
    return f"{amount:g}元"


def grounding_text(content: MatterContent) -> str:
    """Everything the matter's guide says, one statement per line, figures with their units.

    Args:
        content: A matter (a stored :class:`~knowledge.models.Matter` is one too).

    Returns:
        Plain text: names, conditions, materials (with the number of copies), process,
        legal and promised time limits (``法定办结时限：20个工作日``), fees (``工本费20元``, or
        ``不收费``), result, places and hours, phones and legal basis.
    """
    lines = [content.name, *content.aliases, *content.colloquial_names, *content.situations]
    lines.append(f"实施机构：{content.department}")
    lines += [f"受理条件：{c}" for c in content.conditions]
    for material in content.materials:
        lines.append(f"申请材料：{material.name} {material.count}份 {material.notes}".strip())
    lines += [f"{step.name}：{step.description}" for step in content.process]
    limit = content.time_limit
    if limit.legal_working_days is not None:
        lines.append(f"法定办结时限：{limit.legal_working_days}个工作日")
    if limit.promised_working_days is not None:
        lines.append(f"承诺办结时限：{limit.promised_working_days}个工作日")
    if limit.notes:
        lines.append(limit.notes)
    if content.fees:
        lines += [f"收费：{fee.item}{_yuan(fee.amount_yuan)} {fee.notes} {fee.basis}".strip()
                  for fee in content.fees]  # fmt: skip
    elif GuideElement.FEE not in content.unpublished:  # an unpublished fee is not "free"
        lines.append("收费：不收费")
    if content.result is not None:
        lines.append(f"办理结果：{content.result.name} {content.result.delivery}".strip())
    for place in content.locations:
        lines.append(f"办理地点：{place.name} {place.address} {place.window} {place.hours}".strip())
    if content.progress_query:
        lines.append(content.progress_query)
    if content.consultation_phone:
        lines.append(f"咨询电话：{content.consultation_phone}")
    if content.complaint_phone:
        lines.append(f"投诉电话：{content.complaint_phone}")
    lines += [f"设定依据：{basis}" for basis in content.legal_basis]
    return "\n".join(line for line in lines if line)
