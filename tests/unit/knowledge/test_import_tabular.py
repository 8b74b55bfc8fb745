"""CSV/XLSX 实施清单 through the committed example field mappings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.errors import ImportFormatError, ImportValidationError
from knowledge.importing import read_catalogue
from knowledge.importing.mapping import load_mapping
from knowledge.models import GuideElement, MatterType

MAPPINGS = Path(__file__).resolve().parents[3] / "knowledge" / "mappings"
LIST_MAPPING = MAPPINGS / "implementation_list.yaml"
DISTRICT_MAPPING = MAPPINGS / "district_list_xlsx.yaml"

HEADER = ["事项编码", "事项名称", "实施主体", "事项类型", "服务对象", "受理条件", "申请材料",
          "办理流程", "法定办结\n时限", "承诺办结时限", "收费标准", "办理结果", "咨询电话",
          "监督投诉电话", "办理地点", "设定依据", "主题分类", "日常用语", "办事指南链接",
          "在线办理链接", "行使层级", "备注"]
ROWS = [
    ["TS-CSV-0001", "测试许可证核发", "测试区测试局", "行政许可", "自然人、企业法人",
     "年满18周岁；本区居民", "申请表\n居民身份证", "受理→审查→办结", "20个工作日", "5",
     "不收费", "测试许可证", "（0000）1234567", "12345", "测试区政务服务中心2楼",
     "《测试条例》第一条", "证照办理", "测试证、办测试证", "https://example.gov.cn/g/1",
     "", "区级", "备注不导入"],
    ["TS-CSV-0002", "测试信息查询", "测试区测试局", "公共服务", "", "", "", "", "即办", "",
     "", "", "", "", "", "", "", "", "", "", "", ""],
    [""] * 22,  # blank rows are skipped
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_csv_with_the_national_column_names(tmp_path):
    parsed = read_catalogue(write_csv(tmp_path / "list.csv", ROWS), LIST_MAPPING)
    assert parsed.format == "csv"
    full, bare = parsed.contents
    assert full.code == "TS-CSV-0001" and full.type is MatterType.LICENSING
    assert full.service_objects == ["自然人", "企业法人"]
    assert full.conditions == ["年满18周岁", "本区居民"]
    assert [m.name for m in full.materials] == ["申请表", "居民身份证"]
    assert [s.name for s in full.process] == ["受理", "审查", "办结"]
    assert (full.time_limit.legal_working_days, full.time_limit.promised_working_days) == (20, 5)
    assert full.fees == [] and not full.lacks(GuideElement.FEE)  # 不收费: free, published
    assert full.result is not None and full.result.name == "测试许可证"
    assert full.consultation_phone == "0000-1234567" and full.complaint_phone == "12345"
    assert full.aliases == ["测试证", "办测试证"] and full.themes == ["证照办理"]
    assert full.unpublished == [GuideElement.CHANNELS]
    assert bare.time_limit.legal_working_days == 0
    assert set(bare.unpublished) >= {
        GuideElement.CONDITIONS, GuideElement.MATERIALS, GuideElement.PROCESS,
        GuideElement.RESULT, GuideElement.FEE, GuideElement.PLACE,
        GuideElement.CONSULTATION_PHONE,
    }
    assert bare.kiosk_route == "kiosk://matters/ts-csv-0002"


def test_xlsx_sheet_header_row_recoded_types_and_defaults(tmp_path):
    workbook = Workbook()
    workbook.active.title = "说明"
    sheet = workbook.create_sheet("事项目录")
    sheet.append(["测试区事项目录（2026年版）"])
    sheet.append(
        ["实施编码", "事项名称", "实施部门", "权力类型", "咨询方式", "办理时限", "申请材料清单"]
    )
    sheet.append(
        ["TS-XLSX-0001", "测试补贴申领", "区测试局", "05", "0000-7654321", 15, "申请表；存折"]
    )
    sheet.append(["TS-XLSX-0002", "测试登记", "区测试局", "07", None, "30个自然日", None])
    path = tmp_path / "district.xlsx"
    workbook.save(path)
    parsed = read_catalogue(path, DISTRICT_MAPPING)
    first, second = parsed.contents
    assert first.type is MatterType.PAYMENT and second.type is MatterType.CONFIRMATION
    assert first.level == second.level == "区级"
    assert first.time_limit.legal_working_days == 15
    assert [m.name for m in first.materials] == ["申请表", "存折"]
    assert second.time_limit.notes == "法定办结时限：30个自然日"
    assert not second.lacks(GuideElement.LEGAL_TIME_LIMIT)  # given, in natural days


def test_tabular_files_need_a_mapping_and_its_columns(tmp_path):
    path = write_csv(tmp_path / "list.csv", ROWS)
    with pytest.raises(ImportFormatError):
        read_catalogue(path)
    short = write_csv(tmp_path / "short.csv", [["TS-1", "测试"]], header=["事项编码", "事项名称"])
    with pytest.raises(ImportFormatError) as info:
        read_catalogue(short, LIST_MAPPING)
    missing = {e.field for e in info.value.errors}
    assert {"实施主体", "申请材料", "法定办结时限"} <= missing


def test_invalid_mapping_files_list_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "columns:\n  名称: title\n  编码: code\nsplit:\n  materials: '['\nunknown_key: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFormatError) as info:
        load_mapping(bad)
    fields = " ".join(e.field for e in info.value.errors)
    assert "columns" in fields and "split" in fields and "unknown_key" in fields


def test_every_invalid_row_is_listed_and_the_cells_are_not_echoed(tmp_path):
    rows = [
        [*ROWS[0][:1], "X", *ROWS[0][2:]],  # name too short
        ["TS-CSV-0003", "测试事项", "", "行政许可", *[""] * 18],  # department missing
        ["TS-CSV-0004", "测试事项二", "测试局", "行政许可", *[""] * 8, "张三 13800138000",
         *[""] * 9],
    ]
    with pytest.raises(ImportValidationError) as info:
        read_catalogue(write_csv(tmp_path / "bad.csv", rows), LIST_MAPPING)
    assert {(e.index, e.field) for e in info.value.errors} == {(0, "name"), (1, "department")}
    assert "张三" not in str([e.model_dump() for e in info.value.errors])
