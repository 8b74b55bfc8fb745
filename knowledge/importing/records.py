"""The record format of crawled regional catalogues (``../shared/realdata/matters_*.jsonl``).

One JSON object per line (or a JSON list of them), recognised by its keys: ``id`` (the
official code, used as the matter code), ``name``, ``department``, ``type``, ``conditions``,
``materials``, ``process``, ``legal_time_limit`` / ``promised_time_limit`` (``20个工作日``),
``fee``, ``result``, ``phone``, ``address``, ``basis``, ``source`` and ``extra`` (everyday
terms, service objects, level, complaint phone, theme category, guide and application URLs,
whether there is a window, courier service, ...). ``null`` or ``[]`` means the source lacks
the element: the matter records it as unpublished.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knowledge.importing.guide import Cell, GuideFields, ParsedCatalogue, build_payload
from knowledge.importing.guide import validate_payloads as _validate
from knowledge.models import Channel

RECORD_KEYS = frozenset({"id", "name", "department", "type", "extra"})
"""Keys every record has; with at least one guide key they mark the record format."""

GUIDE_KEYS = frozenset(
    {"conditions", "materials", "process", "legal_time_limit", "promised_time_limit", "fee",
     "result", "phone", "address", "basis"}
)


def is_record(item: object) -> bool:
    """True when ``item`` is a catalogue record (not a daoban matter document)."""
    return isinstance(item, Mapping) and item.keys() >= RECORD_KEYS and bool(
        GUIDE_KEYS & item.keys()
    )


def _channels(extra: Mapping[str, Any]) -> list[Channel]:
    """Channels the record states (empty when it states none).

    A window unless the record says there is none, online when it has an application page,
    mail when it offers courier service.
    """
    channels: list[Channel] = []
    if extra.get("no_offline_window") is False:
        channels.append(Channel.WINDOW)
    if extra.get("apply_url"):
        channels.append(Channel.ONLINE)
    if extra.get("courier_service") == "是":
        channels.append(Channel.MAIL)
    return channels


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return None


def _aliases(name: object, extra: Mapping[str, Any]) -> Cell:
    """The official everyday terms, plus the sub-item (办理项) when it differs from the name.

    A region lists one matter per sub-item under one 事项名称: 保安员证核发 as
    初次申领保安员证, 遗失补发保安员证, ... The sub-item's name (``extra.sub_task_name``)
    tells them apart, so it joins the aliases. A sub-item too short to stand alone
    ("（个人）") is appended to the name: 纳税人涉税信息查询（个人）.
    """
    terms = [str(t) for t in _listed(extra.get("aliases"))]
    sub = extra.get("sub_task_name")
    if isinstance(sub, str) and (sub := sub.strip()) and isinstance(name, str) and sub != name:
        bare = sub.strip("（）() ")
        if sub[0] in "（(" or len(bare) < 4:
            sub = f"{name}（{bare}）"
        terms.append(sub)
    return terms


def _listed(value: object) -> list[object]:
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [] if value is None else [value]


def record_fields(record: Mapping[str, Any]) -> GuideFields:
    """The guide fields of one record (see the module docstring for the keys read)."""
    extra = record.get("extra")
    extra = extra if isinstance(extra, Mapping) else {}
    notes = []
    if extra.get("conditions_truncated"):
        notes.append("受理条件在来源中仅存首段")
    source = record.get("source")
    return GuideFields(
        code=_cell(record.get("id")),
        name=_cell(record.get("name")),
        department=_cell(record.get("department")),
        type=_cell(record.get("type")),
        level=_cell(extra.get("level")),
        service_objects=_cell(extra.get("service_object")),
        conditions=_cell(record.get("conditions")),
        materials=_cell(record.get("materials")),
        process=_cell(record.get("process")),
        legal_time_limit=_cell(record.get("legal_time_limit")),
        promised_time_limit=_cell(record.get("promised_time_limit")),
        fee=_cell(record.get("fee")),
        result=_cell(record.get("result")),
        consultation_phone=_cell(record.get("phone")),
        complaint_phone=_cell(extra.get("complain_phone")),
        address=_cell(record.get("address")),
        legal_basis=_cell(record.get("basis")),
        themes=_cell(extra.get("theme_category")),
        aliases=_aliases(record.get("name"), extra),
        guide_url=_cell(extra.get("detail_url")),
        apply_url=_cell(extra.get("apply_url")),
        channels=_channels(extra),
        source=source if isinstance(source, str) else "",
        notes=notes,
        split={"conditions": r"[\n\r]+"},
    )


def parse_records(records: list[Any]) -> ParsedCatalogue:
    """Validate catalogue records as matters; every problem of every record is listed.

    Raises:
        ImportValidationError: a record is not an object or its matter is invalid.
    """
    payloads: list[dict[str, Any]] = []
    notes: list[list[str]] = []
    for record in records:
        if not isinstance(record, Mapping):
            payloads.append({})
            notes.append([])
            continue
        payload, record_notes = build_payload(record_fields(record))
        payloads.append(payload)
        notes.append(record_notes)
    return _validate(payloads, fmt="records", notes=notes)
