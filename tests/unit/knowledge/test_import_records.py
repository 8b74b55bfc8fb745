"""The record format of crawled regional catalogues (shape of ../shared/realdata/*.jsonl)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from knowledge.errors import ImportFormatError, ImportValidationError
from knowledge.importing import read_catalogue
from knowledge.importing.records import is_record, parse_records
from knowledge.models import Channel, GuideElement

# Records written for these tests in the realdata key layout (not copied from the data).
FULL = {
    "id": "11440000000000000A1234567890001",
    "name": "测试证照核发",
    "department": "测试省测试厅",
    "type": "行政许可",
    "conditions": "申请人为本省居民。\n无不良记录。",
    "materials": ["申请表", "居民身份证"],
    "process": [],
    "legal_time_limit": "20个工作日",
    "promised_time_limit": "5个工作日",
    "fee": None,
    "result": None,
    "phone": "020-88880000转2；020-88880001",
    "address": "测试市测试路1号",
    "basis": None,
    "source": "test:records",
    "extra": {
        "aliases": ["测试证,新申请", "办测试证"],
        "service_object": ["自然人", "企业法人"],
        "level": "省级",
        "complain_phone": "020-88889999",
        "theme_category": ["其他", "证照办理"],
        "detail_url": "https://example.gov.cn/guide/1",
        "apply_url": "https://example.gov.cn/apply/1",
        "no_offline_window": False,
        "courier_service": "是",
        "conditions_truncated": True,
    },
}
BARE: dict[str, Any] = {
    "id": "511A0000000000-511602000000-000-11511300000000000u-1-00",
    "name": "测试事项目录条目",
    "department": "区测试局",
    "type": "公共服务",
    **dict.fromkeys(
        ("conditions", "legal_time_limit", "promised_time_limit", "fee", "result", "phone",
         "address", "basis", "source")
    ),
    "materials": [],
    "process": [],
    "extra": {"region": "测试区", "detail_url": "http://example.gov.cn/d/2"},
}


def test_records_are_recognised_by_their_keys():
    assert is_record(FULL) and is_record(BARE)
    assert not is_record({"code": "TS-0001", "name": "x"})


def test_a_full_record_maps_every_field():
    parsed = parse_records([FULL])
    m = parsed.contents[0]
    assert m.code == FULL["id"] and m.name == "测试证照核发" and m.level == "省级"
    assert m.conditions == ["申请人为本省居民。", "无不良记录。"]
    assert [x.name for x in m.materials] == ["申请表", "居民身份证"]
    assert all(x.form is None for x in m.materials)  # the source does not say: no guess
    assert (m.time_limit.legal_working_days, m.time_limit.promised_working_days) == (20, 5)
    assert m.consultation_phone == "020-88880000-2" and m.complaint_phone == "020-88889999"
    assert m.locations[0].address == "测试市测试路1号"
    assert m.aliases == ["测试证新申请", "办测试证"]
    assert m.service_objects == ["自然人", "企业法人"] and m.themes == ["证照办理"]
    assert m.channels == [Channel.WINDOW, Channel.ONLINE, Channel.MAIL]
    assert m.guide_url.endswith("/guide/1") and m.apply_url.endswith("/apply/1")
    assert m.kiosk_route == "kiosk://matters/11440000000000000a1234567890001"
    assert m.unpublished == [GuideElement.PROCESS, GuideElement.RESULT, GuideElement.FEE]
    assert parsed.notes[m.code] == ["受理条件在来源中仅存首段", "咨询电话含2个号码，保留第一个"]


def test_a_bare_list_entry_is_a_partial_guide_with_a_derived_route():
    m = parse_records([BARE]).contents[0]
    assert m.code == BARE["id"]  # the official code as published, lower-case letter kept
    assert m.kiosk_route.startswith("kiosk://matters/511a") and m.consultation_phone is None
    assert set(m.unpublished) == set(GuideElement) - {GuideElement.TYPE}


def test_every_problem_of_every_record_is_listed_without_the_values():
    bad_name = {**FULL, "id": "11440000000000000A1234567890002", "name": "X"}
    bad_both = {**BARE, "id": "11010519491231002X", "department": "", "name": "测" * 201}
    with pytest.raises(ImportValidationError) as info:
        parse_records([FULL, bad_name, bad_both])
    problems = {(e.index, e.field) for e in info.value.errors}
    assert problems == {(1, "name"), (2, "code"), (2, "name"), (2, "department")}
    shown = " ".join(f"{e.code} {e.message}" for e in info.value.errors)
    assert "11010519491231002X" not in shown  # a resident ID number in the code column


def test_jsonl_and_json_list_files_are_read_as_records(tmp_path):
    lines = tmp_path / "region.jsonl"
    lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (FULL, BARE)) + "\n")
    assert [m.code for m in read_catalogue(lines).contents] == [FULL["id"], BARE["id"]]
    listed = tmp_path / "region.json"
    listed.write_text(json.dumps([FULL], ensure_ascii=False))
    assert read_catalogue(listed).format == "records"


def test_broken_json_lines_are_listed_by_line(tmp_path):
    lines = tmp_path / "broken.jsonl"
    lines.write_text(json.dumps(FULL, ensure_ascii=False) + "\n{oops\n\n[1,\n")
    with pytest.raises(ImportFormatError) as info:
        read_catalogue(lines)
    assert [e.field for e in info.value.errors] == ["line 2", "line 4"]


def test_mixed_files_and_stray_mappings_are_refused(tmp_path):
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([FULL, {"code": "TS-0001"}], ensure_ascii=False))
    with pytest.raises(ImportFormatError):
        read_catalogue(mixed)
    with pytest.raises(ImportFormatError):
        read_catalogue(mixed, mapping=tmp_path / "m.yaml")


def test_a_resident_id_number_is_never_a_matter_code():
    with pytest.raises(ImportValidationError) as info:
        parse_records([{**FULL, "id": "11010519491231002X"}])
    assert [(e.code, e.field) for e in info.value.errors] == [(None, "code")]
    assert "11010519491231002X" not in info.value.errors[0].message


def test_export_keeps_an_unstated_material_form_on_re_import():
    from knowledge.importing.documents import dump_matters, parse_matters
    from tests.factories import published

    content = parse_records([FULL]).contents[0]
    again = parse_matters(dump_matters([published(content)], "yaml"), "yaml")[0]
    assert again == content and again.materials[0].form is None


def test_sub_items_of_one_matter_name_are_told_apart_by_alias():
    """One 事项名称 listed once per sub-item (办理项): the sub-item's name becomes an alias."""
    extra = FULL["extra"]
    assert isinstance(extra, dict)
    first = {**FULL, "extra": {**extra, "sub_task_name": "初次申领测试证"}}
    lost = {
        **FULL,
        "id": "11440000000000000A1234567890002",
        "extra": {"sub_task_name": "遗失补发测试证"},
    }
    short = {
        **FULL, "id": "11440000000000000A1234567890003", "extra": {"sub_task_name": "（个人）"}
    }
    same = {
        **FULL, "id": "11440000000000000A1234567890004", "extra": {"sub_task_name": "测试证照核发"}
    }
    contents = parse_records([first, lost, short, same]).contents
    assert contents[0].aliases == ["测试证新申请", "办测试证", "初次申领测试证"]
    assert contents[1].aliases == ["遗失补发测试证"]
    assert contents[2].aliases == ["测试证照核发（个人）"]
    assert contents[3].aliases == []
