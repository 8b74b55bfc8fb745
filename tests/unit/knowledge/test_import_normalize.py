"""Normalising official guide text: time limits, phones, fees, lists, matter types."""

from __future__ import annotations

import pytest

from knowledge.importing.normalize import (
    extract_phones,
    first_phone,
    matter_type,
    parse_fees,
    parse_time_limit,
    split_items,
)
from knowledge.models import MatterType


@pytest.mark.parametrize(
    ("text", "days", "note"),
    [
        ("20个工作日", 20, ""),
        ("20", 20, ""),
        (15, 15, ""),
        ("即办", 0, ""),
        ("二十个工作日", 20, ""),
        ("90个自然日", None, "法定办结时限：90个自然日"),
        (None, None, ""),
        ("", None, ""),
    ],
)
def test_time_limits_are_working_days_or_an_official_note(text, days, note):
    value, problem = parse_time_limit(text, label="法定办结时限")
    assert (value.working_days, value.note, problem) == (days, note, None)


def test_unreadable_time_limit_is_dropped_with_a_note_that_does_not_quote_it():
    value, problem = parse_time_limit("视情况而定，联系张三13800138000", label="承诺办结时限")
    assert value.working_days is None
    assert problem == "承诺办结时限无法识别为工作日，未导入"
    assert "13800138000" not in problem


def test_days_without_unit_are_read_as_working_days_with_a_note():
    value, problem = parse_time_limit("10天", label="法定办结时限")
    assert value.working_days == 10 and problem and "按工作日" in problem


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("020-38356454转1", ["020-38356454-1"]),
        ("（0662）3681111", ["0662-3681111"]),
        ("020- 12316", ["020-12316"]),
        ("拨打12348或020-86350683", ["12348", "020-86350683"]),
        ("电话：020-37886901 、020-37886909", ["020-37886901", "020-37886909"]),
        ("无", []),
    ],
)
def test_phones_are_extracted_and_normalised(text, phones):
    assert extract_phones(text) == phones


def test_first_phone_keeps_one_number_and_says_how_many_were_dropped():
    assert first_phone("020-84469270、020-84469702、020-89023252", label="咨询电话") == (
        "020-84469270",
        "咨询电话含3个号码，保留第一个",
    )
    assert first_phone("请到窗口咨询", label="咨询电话") == (None, "咨询电话无法识别，未导入")
    assert first_phone(None, label="咨询电话") == (None, None)


def test_fees_free_items_or_unpublished():
    assert parse_fees("不收费") == ([], None)
    assert parse_fees(None) == (None, None)
    items, note = parse_fees("工本费10元；加急费 20.5 元")
    assert items == [
        {"item": "工本费", "amount_yuan": 10.0},
        {"item": "加急费", "amount_yuan": 20.5},
    ] and note is None
    assert parse_fees("按有关规定收取") == (None, "收费标准无法识别为收费项目，按未公布导入")


def test_list_cells_split_on_line_breaks_and_semicolons_or_a_given_pattern():
    assert split_items("居民身份证；户口簿\n照片") == ["居民身份证", "户口簿", "照片"]
    assert split_items("自然人、企业法人", "、") == ["自然人", "企业法人"]
    assert split_items(["a", " ", "b"]) == ["a", "b"]
    assert split_items(None) == []


def test_matter_types_by_official_name_only():
    assert matter_type("行政许可") == (MatterType.LICENSING, None)
    assert matter_type("行政检查") == (MatterType.INSPECTION, None)
    assert matter_type("便民服务")[0] is None
    assert matter_type(None) == (None, None)
