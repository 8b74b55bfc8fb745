"""PII recognizers: parametrized tables of (text, expected types), negatives included."""

from __future__ import annotations

import pytest

from guardrails.models import PiiType
from guardrails.pii.analyzer import PiiAnalyzer, digit_view
from guardrails.pii.checksums import gb11643_15_valid, gb11643_valid, luhn_valid
from guardrails.pii.predefined import predefined_recognizers
from guardrails.pii.redact import apply_redaction

T = PiiType


@pytest.fixture(scope="module")
def analyzer() -> PiiAnalyzer:
    return PiiAnalyzer(predefined_recognizers())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号110101199001011237", [T.ID_NUMBER]),
        ("身份证 1101 0119 9001 0112 37", [T.ID_NUMBER]),
        ("证件号13112219720713642X怎么办", [T.ID_NUMBER]),
        ("老身份证号110105491231002", [T.ID_NUMBER]),
        ("身份证号幺幺零幺零五幺九四九幺二三幺零零二叉", [T.ID_NUMBER]),
        ("手机13812345678", [T.PHONE]),
        ("手机号是+86 138-1234-5678", [T.PHONE]),
        ("我的电话是幺三八一二三四五六七八", [T.PHONE]),
        ("座机010-62345678", [T.PHONE]),
        ("卡号 4111 1111 1111 1111", [T.BANK_CARD]),
        ("工资卡6222020200000000006", [T.BANK_CARD]),
        ("邮箱test@qq.com", [T.EMAIL]),
        ("护照G12345678", [T.PASSPORT]),
        ("港澳通行证C12345678", [T.TRAVEL_PERMIT]),
        ("社保卡号是A12345678", [T.SOCIAL_SECURITY]),
        ("车牌贵B-47201违章", [T.PLATE]),
        ("我叫王小明，想办居住证", [T.NAME]),
        ("我妈妈叫李秀英", [T.NAME]),
        ("帮我看看张淑兰的居住证", [T.NAME]),
        ("我家住在杭州市西湖区文三路100号", [T.ADDRESS]),
        # ordinary numbers stay
        ("办理时限15个工作日", []),
        ("请拨打12345热线", []),
        ("请到3号窗口", []),
        ("办件编号20240315000123", []),
        ("统一社会信用代码91310000552936878J", []),
        ("工本费20元，2024年3月1日起施行", []),
        ("我是外地人想办居住证", []),
        ("这是普通文本没有身份证", []),
    ],
)
def test_recognizers(analyzer: PiiAnalyzer, text: str, expected: list[PiiType]) -> None:
    assert [span.type for span in analyzer.analyze(text)] == expected


def test_spans_are_positions_not_values(analyzer: PiiAnalyzer) -> None:
    text = "我叫王小明，电话13812345678"
    spans = analyzer.analyze(text)
    assert [(s.start, s.end) for s in spans] == [(2, 5), (8, 19)]
    assert "13812345678" not in repr(spans)


def test_redaction_replaces_every_span(analyzer: PiiAnalyzer) -> None:
    text = "我叫王小明，身份证110101199001011237，卡号4111111111111111"
    redacted = apply_redaction(text, analyzer.analyze(text))
    assert redacted == "我叫[姓名]，身份证[身份证号]，卡号[银行卡号]"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("110101199001011237", True), ("110101199001011238", False), ("11010119900101123X", False),
     ("110101199013011237", False)],
)  # fmt: skip
def test_gb11643_check_digit(digits: str, valid: bool) -> None:
    assert gb11643_valid(digits) is valid


def test_gb11643_15_and_luhn() -> None:
    assert gb11643_15_valid("110105491231002")
    assert not gb11643_15_valid("110105491331002")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_digit_view_keeps_length() -> None:
    text = "电话幺三八一二三四五六七八，１２３"
    assert len(digit_view(text)) == len(text)
    assert "13812345678" in digit_view(text)
