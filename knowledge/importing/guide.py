"""From a region's guide fields (as a catalogue gives them) to a validated matter content.

Every format a region brings (the record format of a crawled portal, a CSV/XLSX 实施清单 through
a field mapping) is first read into :class:`GuideFields`: the guide's elements as raw text or
lists, keyed by matter field. :func:`build_payload` normalises them (time limits, phones, lists,
fees, places) into a :class:`knowledge.models.MatterContent` payload, marks what the guide does
not publish (fee and place, which the content alone cannot tell) and returns report notes;
:func:`validate_payloads` validates a whole file and reports every problem of every matter (with
:class:`MatterValidation`, which the YAML/JSON import uses too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from stdnum.cn import ric

from knowledge.errors import FieldIssue, ImportValidationError
from knowledge.importing.normalize import (
    first_phone,
    matter_type,
    parse_fees,
    parse_time_limit,
    split_items,
)
from knowledge.models import MATTER_CODE_PATTERN, Channel, GuideElement, MatterContent

Cell = str | int | float | list[str] | None
"""A raw value: text, a number (spreadsheet cells), or a list (JSON records)."""


@dataclass
class GuideFields:
    """The elements of one official guide, raw, keyed by matter field (all optional).

    Text list fields (conditions, materials, process, ...) accept a list or one text to split.
    """

    code: Cell = None
    name: Cell = None
    department: Cell = None
    type: Cell = None
    level: Cell = None
    service_objects: Cell = None
    conditions: Cell = None
    materials: Cell = None
    process: Cell = None
    legal_time_limit: Cell = None
    promised_time_limit: Cell = None
    fee: Cell = None
    result: Cell = None
    consultation_phone: Cell = None
    complaint_phone: Cell = None
    address: Cell = None
    legal_basis: Cell = None
    themes: Cell = None
    aliases: Cell = None
    guide_url: Cell = None
    apply_url: Cell = None
    channels: list[Channel] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)
    split: dict[str, str] = field(default_factory=dict)
    """Per-field separator regex for list fields given as one text (from a mapping file)."""


GUIDE_FIELD_NAMES = frozenset(
    name for name in GuideFields.__dataclass_fields__ if name not in {"channels", "notes", "split"}
)
"""The fields a mapping file may map a column to."""


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value if v is not None).strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _items(fields: GuideFields, name: str, value: Cell) -> list[str]:
    if isinstance(value, int | float):
        value = _text(value)
    return split_items(value, fields.split.get(name))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ALIAS_SEPARATORS = re.compile(r"[,，、\s]+")


def build_payload(fields: GuideFields) -> tuple[dict[str, Any], list[str]]:
    """Normalise ``fields`` into a matter payload (validated later) and report notes.

    Rules (each lossy step leaves a note; notes never quote the source text):

    * time limits: see :func:`knowledge.importing.normalize.parse_time_limit`; a promised
      limit longer than the legal one is dropped;
    * phones: the first number of the cell (``转`` extensions become ``-``);
    * fee: empty/None → unpublished fee; ``不收费`` → free; ``工本费10元`` → items;
    * place: the address as an office of the department; none → unpublished place;
    * materials: names only, form unknown (not assumed original);
    * process steps longer than a step name become the step's description;
    * official everyday terms → aliases (keyword lists like ``无线电,频率`` joined).

    Returns:
        (payload dict for :class:`MatterContent`, notes).
    """
    notes = list(fields.notes)
    name = _text(fields.name)
    payload: dict[str, Any] = {
        "code": _text(fields.code),
        "name": name,
        "department": _text(fields.department),
        "level": _clip(_text(fields.level), 20),
        "source": _clip(fields.source, 200),
        "guide_url": _text(fields.guide_url),
        "apply_url": _text(fields.apply_url),
        "channels": [c.value for c in fields.channels],
    }
    kind, note = matter_type(_text(fields.type) or None)
    payload["type"] = kind.value if kind is not None else None
    notes += [note] if note else []
    payload["service_objects"] = _items(fields, "service_objects", fields.service_objects)
    payload["conditions"] = [
        c for c in _items(fields, "conditions", fields.conditions) if c not in {"无", "/"}
    ]
    payload["materials"] = [
        {"name": _clip(m, 200), "form": None}
        for m in _items(fields, "materials", fields.materials)
        if m not in {"无", "/"}
    ]
    payload["process"] = [
        {"name": step} if len(step) <= 60 else {"name": f"第{i}步", "description": _clip(step, 500)}
        for i, step in enumerate(_items(fields, "process", fields.process), start=1)
    ]
    payload["time_limit"] = _time_limit(fields, notes)
    unpublished: list[str] = []
    fees, note = parse_fees(_text(fields.fee) or None)
    notes += [note] if note else []
    if fees is None:
        unpublished.append(GuideElement.FEE.value)
    payload["fees"] = fees or []
    result = _text(fields.result)
    if result:
        long_result = {"name": "办理结果", "delivery": _clip(result, 300)}
        payload["result"] = {"name": result} if len(result) <= 100 else long_result
    for key, label in (("consultation_phone", "咨询电话"), ("complaint_phone", "投诉电话")):
        phone, note = first_phone(_text(getattr(fields, key)) or None, label=label)
        payload[key] = phone
        notes += [note] if note else []
    address = _text(fields.address)
    if address:
        office = _clip(payload["department"], 100) or "办理地点"
        payload["locations"] = [{"name": office, "address": _clip(address, 200)}]
        if len(address) > 200:
            notes.append("办理地点超过200字，已截断")
    else:
        unpublished.append(GuideElement.PLACE.value)
    payload["legal_basis"] = _items(fields, "legal_basis", fields.legal_basis)
    payload["themes"] = [t for t in _items(fields, "themes", fields.themes) if t != "其他"]
    aliases: list[str] = []
    for term in _items(fields, "aliases", fields.aliases):
        alias = _ALIAS_SEPARATORS.sub("", term)
        if alias and alias != name and alias not in aliases:
            aliases.append(alias)
    payload["aliases"] = aliases
    payload["unpublished"] = unpublished
    return payload, notes


def _time_limit(fields: GuideFields, notes: list[str]) -> dict[str, Any]:
    legal, note = parse_time_limit(_scalar(fields.legal_time_limit), label="法定办结时限")
    notes += [note] if note else []
    promised, note = parse_time_limit(_scalar(fields.promised_time_limit), label="承诺办结时限")
    notes += [note] if note else []
    legal_days, promised_days = legal.working_days, promised.working_days
    if legal_days is not None and promised_days is not None and promised_days > legal_days:
        notes.append("承诺办结时限长于法定办结时限，承诺时限未导入")
        promised_days = None
    return {
        "legal_working_days": legal_days,
        "promised_working_days": promised_days,
        "notes": "；".join(n for n in (legal.note, promised.note) if n),
    }


def _scalar(value: Cell) -> str | int | None:
    if isinstance(value, float):
        return int(value) if value.is_integer() else str(value)
    if isinstance(value, list):
        return _text(value) or None
    return value


class ParsedCatalogue(BaseModel):
    """A file read and validated: its matter contents and the notes the normalisation left."""

    model_config = ConfigDict(frozen=True)

    format: str = Field(description="records, yaml, json, csv or xlsx")
    contents: list[MatterContent]
    notes: dict[str, list[str]] = Field(
        default_factory=dict, description="Report notes by matter code (lossy normalisation)"
    )


def safe_code(value: object) -> str | None:
    """``value`` as a code fit to show in a report: a matter code, never a resident ID number.

    A cell that holds a GB 11643 resident ID number (a column mapped wrongly) is not echoed.
    """
    if not isinstance(value, str) or not re.match(MATTER_CODE_PATTERN, value):
        return None
    return None if ric.is_valid(value) else value


class MatterValidation:
    """Validates a file's matter payloads one by one, keeping every problem of every matter.

    A payload that fails :class:`MatterContent` adds one issue per failing field; a code seen
    earlier in the file adds a ``code`` issue naming the first index. Issues carry no input
    values, and a code only as :func:`safe_code` lets it be shown.

    Usage example::

        validation = MatterValidation()
        for index, payload in enumerate(payloads):
            validation.add(index, payload)
        contents = validation.contents()   # ImportValidationError if any issue
    """

    def __init__(self) -> None:
        self.issues: list[FieldIssue] = []
        self._contents: list[MatterContent] = []
        self._seen: dict[str, int] = {}

    def add(self, index: int, payload: Mapping[str, Any]) -> MatterContent | None:
        """Validate the payload at ``index`` (position in the file); None when it is refused."""
        code = safe_code(payload.get("code"))
        try:
            content = MatterContent.model_validate(payload)
        except ValidationError as exc:
            self.issues.extend(
                FieldIssue(
                    index=index,
                    code=code,
                    field=".".join(str(part) for part in error["loc"]),
                    message=error["msg"],
                )
                for error in exc.errors(include_input=False, include_url=False)
            )
            return None
        if content.code in self._seen:
            self.issues.append(
                FieldIssue(
                    index=index,
                    code=code,
                    field="code",
                    message=f"duplicate code, first at index {self._seen[content.code]}",
                )
            )
            return None
        self._seen[content.code] = index
        self._contents.append(content)
        return content

    def contents(self) -> list[MatterContent]:
        """The valid contents in file order.

        Raises:
            ImportValidationError: any payload was refused; ``errors`` lists every issue as
                (index, code, field, message).
        """
        if self.issues:
            raise ImportValidationError(self.issues)
        return self._contents


def validate_payloads(
    payloads: Sequence[dict[str, Any]], *, fmt: str, notes: Sequence[list[str]] | None = None
) -> ParsedCatalogue:
    """Validate every payload of a file; refuse the file listing every problem of every matter.

    Args:
        payloads: one matter payload per matter, in file order.
        fmt: the file's format, recorded in the result.
        notes: the normalisation notes of each payload (same order), if any.

    Raises:
        ImportValidationError: one or more payloads are invalid or codes repeat; ``errors``
            lists each problem as (index, code, field, message) without the input values.
    """
    validation = MatterValidation()
    by_code: dict[str, list[str]] = {}
    for index, payload in enumerate(payloads):
        content = validation.add(index, payload)
        if content is not None and notes is not None and notes[index]:
            by_code[content.code] = list(notes[index])
    return ParsedCatalogue(format=fmt, contents=validation.contents(), notes=by_code)
