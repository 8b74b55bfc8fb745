"""Routing evaluation: gold as a set of codes, abstain and refusal rates, worst misses."""

from __future__ import annotations

import json

from evals.catalogue import read_catalogue, strip_aliases
from evals.datasets import RoutingCase, read_routing_cases
from evals.runners.routing import RoutedTurn, evaluate_ranked, gold_rank
from tests.factories import make_content


def test_both_file_formats_are_read(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [
        {"question": "居住证怎么办", "matter_code": "HJ-0005", "category": "plain"},
        {"id": "q-2", "question": "社保卡丢了", "gold_codes": ["A-1", "B-2"],
         "style": "colloquial", "audience": "citizen"},
        {"id": "gd-alias-1", "question": "ATA单证册", "gold_matter_ids": ["C-3"],
         "kind": "official_alias_keywords"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    old, new, alias = read_routing_cases(path)
    assert old.gold_codes == ("HJ-0005",) and old.matter_code == "HJ-0005"
    assert new.gold_codes == ("A-1", "B-2") and new.category == "colloquial"
    assert new.audience == "citizen" and new.case_id == "q-2"
    assert alias.gold_codes == ("C-3",) and alias.category == "official_alias_keywords"


def test_any_gold_code_counts():
    assert gold_rank(["A", "B"], ["X", "B", "A"]) == 2
    assert gold_rank(["A"], ["X", "Y"]) is None


def test_rates_and_worst_misses_first():
    cases = [
        RoutingCase(question="q1", gold_codes=("A",), category="plain"),
        RoutingCase(question="q2", gold_codes=("B", "C"), category="plain"),
        RoutingCase(question="q3", gold_codes=("D",), category="english"),
        RoutingCase(question="q4", gold_codes=("E",), category="english"),
    ]
    outcomes = {
        "q1": RoutedTurn(codes=["A", "X"]),
        "q2": RoutedTurn(codes=["X", "C"]),
        "q3": RoutedTurn(codes=[]),
        "q4": RoutedTurn(codes=[], refused=True, reason_code="harm"),
    }
    report = evaluate_ranked("t", cases, outcomes.__getitem__, redact=lambda q: f"<{q}>")
    assert report.overall.top1 == 0.25 and report.overall.top3 == 0.5
    assert report.overall.abstain_rate == 0.25 and report.overall.refusal_rate == 0.25
    assert report.by_category["english"].abstain_rate == 0.5
    assert [m.outcome for m in report.misses] == ["refused", "abstained", "routed"]
    assert report.misses[0].question == "<q4>"
    assert report.misses[2].rank == 2 and report.misses[2].expected == "B,C"


def test_plain_code_lists_still_score():
    cases = [RoutingCase(question="q", gold_codes=("A",))]
    report = evaluate_ranked("t", cases, lambda _q: ["A"])
    assert report.overall.top1 == 1.0 and report.overall.abstain_rate == 0.0


def test_regional_records_become_matters(tmp_path):
    record = {
        "id": "11440000006939756B2440101007000", "name": "结婚登记预约",
        "department": "广东省民政厅", "type": "公共服务", "conditions": "双方自愿",
        "materials": ["居民身份证", "居民户口簿"], "process": [],
        "legal_time_limit": "20个工作日", "promised_time_limit": "1个工作日",
        "fee": None, "result": None, "phone": "020-83330000", "address": None,
        "basis": None, "source": "test",
        "extra": {"aliases": ["预约结婚"], "service_object": ["自然人"], "level": "省级",
                  "theme_category": ["婚姻登记"], "complain_phone": None},
    }
    path = tmp_path / "region.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    [content] = read_catalogue(path)  # through the product's importer (kb import)
    assert content.code == record["id"] and content.level == "省级"
    assert content.time_limit.legal_working_days == 20
    assert [m.name for m in content.materials] == ["居民身份证", "居民户口簿"]

    # a file the importer refuses for some records is measured on the rest
    invalid = {**record, "id": "11440000006939756B2440101008000", "department": ""}
    repeated = {**record, "name": "结婚登记预约（重复）"}
    other = {**record, "id": "11440000006939756B2440101009000", "name": "离婚登记预约"}
    lines = [json.dumps(r, ensure_ascii=False) for r in (record, invalid, repeated, other)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert [c.code for c in read_catalogue(path)] == [record["id"], other["id"]]


def test_strip_aliases_leaves_only_the_official_name():
    content = make_content(
        "TS-0001", english_name="Test", english_aliases=["test"], situations=["某情形"]
    )
    stripped = strip_aliases(content)
    assert not (stripped.aliases or stripped.colloquial_names or stripped.situations)
    assert not (stripped.english_name or stripped.english_aliases)
    assert stripped.department == content.department
