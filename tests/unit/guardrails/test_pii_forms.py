"""Personal data in every written form (issue 9): split, full-width and spoken identifiers,
社保电脑号 / 社保卡号, and names introduced by kinship, role, bank and parcel words."""

from __future__ import annotations

import pytest

from guardrails.models import PiiType
from guardrails.pii.checksums import gb11643_valid, luhn_valid
from guardrails.pii.digit_runs import classify
from guardrails.pii.names import NameRecognizer
from guardrails.policy import Guardrails, build_guardrails
from guardrails.settings import GuardrailSettings
from guardrails.tables import memory_sessionmaker

ID = "110101199003077475"  # valid GB 11643 check digit



@pytest.fixture(scope="module")
def guard() -> Guardrails:
    """The guard as built, not warmed: PII detection and output rails need no classifier."""
    return build_guardrails(GuardrailSettings(), memory_sessionmaker())

@pytest.mark.parametrize(
    "text",
    [
        "身份证1101 0119 9003 0774 75",
        "身份证号110101-19900307-7475",
        "号码110101 1990 0307 7475请核对",
        "身份证号码１１０１０１１９９００３０７７４７５",
        "身份证号一一零一零一一九九零零三零七七四七五",
        "号码幺幺洞幺洞幺幺勾勾洞洞三洞拐拐四拐五",
        "１１０１０１　１９９００３０７７４７５",
    ],
)
def test_id_number_in_any_form_is_redacted(guard: Guardrails, text: str) -> None:
    spans = guard.pii.detect(text)
    assert [s.type for s in spans] == [PiiType.ID_NUMBER], text
    redacted = guard.pii.redact(text)
    assert "[身份证号]" in redacted
    assert sum(ch.isdigit() for ch in redacted.translate(_FOLD)) == 0


_FOLD = str.maketrans("０１２３４５６７８９", "0123456789")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("电话1381 234 5678", PiiType.PHONE),
        ("手机幺三八幺二三四五六拐八", PiiType.PHONE),
        ("手机号１３８１２３４５６７８", PiiType.PHONE),
        ("卡号6222-0212-3456-7890-128", PiiType.BANK_CARD),
        ("社保电脑号1234567890", PiiType.SOCIAL_SECURITY),
        ("电脑号是1234 567 890", PiiType.SOCIAL_SECURITY),
        ("社保卡号D12345678挂失", PiiType.SOCIAL_SECURITY),
        ("社保卡卡号是123456789怎么激活", PiiType.SOCIAL_SECURITY),
        ("护照号码是E1234 5678", PiiType.PASSPORT),
    ],
)
def test_other_identifiers(guard: Guardrails, text: str, kind: PiiType) -> None:
    assert kind in {s.type for s in guard.pii.detect(text)}, text


def test_classify_uses_check_digits() -> None:
    assert classify(ID) == (PiiType.ID_NUMBER, 1.0)
    wrong_check = classify(ID[:-1] + "0")
    assert wrong_check is None or wrong_check[0] is not PiiType.ID_NUMBER
    assert gb11643_valid("11010519491231002X") and not gb11643_valid("110105194912310021")
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert classify("13812345678") == (PiiType.PHONE, 0.9)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我爸张建国的低保怎么申请", "张建国"),
        ("经办人王芳让我来拿材料", "王芳"),
        ("我岳父曹国庆的户口迁移", "曹国庆"),
        ("户名孙桂兰，账号在这", "孙桂兰"),
        ("快递寄给马晓东", "马晓东"),
        ("收件人写杨春梅", "杨春梅"),
        ("欧阳娜娜的居住证到期了", "欧阳娜娜"),
        ("申请人上官婉清", "上官婉清"),
        ("我叫司马相文，想办社保卡", "司马相文"),
        ("阿卜杜拉·艾则孜的护照怎么办", "阿卜杜拉·艾则孜"),
        ("我丈夫热合曼·阿不都要办理退休", "热合曼·阿不都"),
        ("我姓东方，叫东方晓", "东方晓"),
        ("请问韩美玲的营业执照办好了没", "韩美玲"),
        ("给我老婆赖平办生育津贴", "赖平"),
    ],
)
def test_names_in_speech(guard: Guardrails, text: str, name: str) -> None:
    found = [text[s.start : s.end] for s in guard.pii.detect(text) if s.type is PiiType.NAME]
    assert found == [name], text
    assert name not in guard.pii.redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "本人银行账户信息变更需要什么材料",
        "申请人符合《广东省实施办法》第三条",
        "申请人满足以下全部条件",
        "公民、法人和其他组织认为行政行为侵犯其合法权益",
        "王府井街道办事处在哪里",
        "张家界的游客服务中心",
        "“天地图·广东”服务",
        "法定代表人身份证明",
        "办理时限是5个工作日，收费0元，咨询电话12345",
        "保全证人证言、当事人陈述公证",
        "我和老伴都没有单位，想交那个居民医保",
        "孩子和财产都商量好了，想和平分开",
    ],
)
def test_official_wording_is_not_personal_data(guard: Guardrails, text: str) -> None:
    assert guard.pii.detect(text) == [], text


def test_names_without_jieba_still_found_by_cue() -> None:
    recognizer = NameRecognizer(use_jieba=False)
    spans = recognizer.analyze("经办人王芳让我来")
    assert [(s.start, s.end) for s in spans] == [(3, 5)]


@pytest.mark.parametrize(
    "text",
    [
        "用人单位或职工本人向人社部门工伤认定窗口提交申请",
        "申请：本人或监护人向乡镇（街道）提出申请，也可网上申请",
        "第一，申请，本人或监护人向乡镇，街道，提出申请",  # the spoken form of the same step
    ],
)
def test_a_role_word_then_a_preposition_is_official_text_not_a_name(text):
    assert NameRecognizer().analyze(text) == []


@pytest.mark.parametrize(
    ("text", "name"), [("经办人向华来拿材料", "向华"), ("联系人向小明，电话找他", "向小明")]
)
def test_a_name_with_a_preposition_surname_is_still_found(text, name):
    assert [text[s.start : s.end] for s in NameRecognizer().analyze(text)] == [name]
