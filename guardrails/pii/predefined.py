"""The predefined recognizers of personal data (GB/T 47483 §9.4.1 d).

ID numbers, phones, bank cards, e-mail, passports, travel permits, social-security numbers
(社保电脑号, 社保卡号), plates, addresses, identifiers split into digit groups and names.

Ordinary numbers do not match: ``15个工作日``, ``12345``, ``3号窗口`` and case numbers of
14 digits are too short or fail the validators.
"""

from __future__ import annotations

from guardrails.models import PiiType
from guardrails.pii.checksums import gb11643_15_valid, gb11643_valid, luhn_valid
from guardrails.pii.digit_runs import DigitRunRecognizer
from guardrails.pii.names import NameRecognizer
from guardrails.pii.recognizers import Pattern, PatternRecognizer, Recognizer

_ND = r"(?<![0-9A-Za-z])"
_NA = r"(?![0-9A-Za-z])"
_SEP = r"[\s\-]{0,2}"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ADDRESS_CONTEXT = (
    r"(?:家住在|家住|住在|住址[:：是为]?|地址[:：是为]?|住|寄到|送到|户籍地[:：是为]?|居住在|搬到)"
)
_PLACE_TAIL = (
    r"[\u4e00-\u9fa5A-Za-z0-9\-]{0,16}?(?:路|街|道|巷|弄|村|组|小区|花园|公寓|大厦|号院|苑)"
    r"(?:[\u4e00-\u9fa5A-Za-z0-9\-]{0,10}?(?:号|座|栋|幢|楼|室|单元|层))*"
    r"(?:\s?\d{6}(?!\d))?"
)


_SSN_CONTEXT = (
    r"(?:社保卡的?卡号|社保卡卡号|社保卡号|社保号码?|社保电脑号码?|电脑号码?|社保个人编号|个人社保号"
    r"|社会保障卡的?卡?号码?|社会保障号码?|医保卡的?卡?号码?|医保号码?|医保电脑号|社保编号|参保号码?"
    r"|参保人员编号|个人编号)"
)
"""Words naming a social-security number: 社保电脑号 (the Guangdong personal number), the
社会保障卡 card number (社保卡号), the medical-insurance number."""


def predefined_recognizers() -> list[Recognizer]:
    """A fresh list of every predefined recognizer (cheap: regexes only)."""
    return [
        PatternRecognizer(
            name="cn_id_18",
            entity=PiiType.ID_NUMBER,
            patterns=[
                Pattern(
                    "id18", _ND + r"[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]" + _NA, 0.5
                ),
                Pattern(
                    "id18_grouped",
                    _ND + r"\d{4}\s{1,2}\d{4}\s{1,2}\d{4}\s{1,2}\d{4}\s{1,2}\d{1}[\dXx]" + _NA,
                    0.4,
                ),
                Pattern("id18_sep", _ND + r"\d{6}[\s\-]\d{8}[\s\-]\d{3}[\dXx]" + _NA, 0.4),
            ],
            context=("身份证", "证件号", "身份号", "公民身份"),
            validator=gb11643_valid,
        ),
        PatternRecognizer(
            name="cn_id_15",
            entity=PiiType.ID_NUMBER,
            patterns=[Pattern("id15", _ND + r"[1-9]\d{14}" + _NA, 0.3)],
            context=("身份证", "证件号", "老身份证"),
            validator=gb11643_15_valid,
            validated_score=0.8,
        ),
        PatternRecognizer(
            name="cn_mobile",
            entity=PiiType.PHONE,
            patterns=[
                Pattern(
                    "mobile",
                    r"(?<![0-9A-Za-z+])(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}" + _NA,
                    0.9,
                )
            ],
            context=("手机", "电话", "联系", "号码"),
        ),
        PatternRecognizer(
            name="cn_landline",
            entity=PiiType.PHONE,
            patterns=[
                Pattern(
                    "landline", _ND + r"(?:\(0\d{2,3}\)|0\d{2,3}[\s\-]?)[2-8]\d{6,7}" + _NA, 0.75
                )
            ],
            context=("电话", "座机", "联系"),
        ),
        PatternRecognizer(
            name="bank_card",
            entity=PiiType.BANK_CARD,
            patterns=[
                Pattern("card", _ND + r"[2-9]\d{15,18}" + _NA, 0.4),
                Pattern(
                    "card_grouped",
                    _ND + r"\d{4}(?:" + _SEP + r"\d{4}){3}(?:" + _SEP + r"\d{1,3})?" + _NA,
                    0.4,
                ),
            ],
            context=("卡号", "银行卡", "账号", "卡上", "信用卡", "储蓄卡", "这张卡", "账户"),
            validator=luhn_valid,
            validated_score=0.95,
            invalid_factor=1.0,
        ),
        PatternRecognizer(
            name="email",
            entity=PiiType.EMAIL,
            patterns=[
                Pattern(
                    "email",
                    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
                    0.95,
                )
            ],
        ),
        PatternRecognizer(
            name="cn_passport",
            entity=PiiType.PASSPORT,
            patterns=[
                Pattern("passport", _ND + r"(?:E[A-HJ-NP-Z0-9]\d{7}|[EGDSP]\d{8})" + _NA, 0.8),
                Pattern(
                    "passport_grouped",
                    _ND + r"(?:E[A-HJ-NP-Z0-9]|[EGDSP]\d)\d{2,3}[\s\-]\d{3,4}[\s\-]?\d{0,4}" + _NA,
                    0.5,
                ),
            ],
            context=("护照",),
        ),
        PatternRecognizer(
            name="cn_travel_permit",
            entity=PiiType.TRAVEL_PERMIT,
            patterns=[
                Pattern("permit", _ND + r"(?:C[A-HJ-NP-Z0-9]\d{7}|[CWTLHM]\d{8,10})" + _NA, 0.7)
            ],
            context=("通行证", "回乡证", "台胞证", "往来"),
        ),
        PatternRecognizer(
            name="cn_social_security",
            entity=PiiType.SOCIAL_SECURITY,
            patterns=[
                Pattern(
                    "ssn_context",
                    _SSN_CONTEXT + r"[:：是为\s]*([A-Za-z]?\d(?:[\s\-]?[0-9A-Za-z]){5,19})" + _NA,
                    0.9,
                    group=1,
                )
            ],
        ),
        PatternRecognizer(
            name="cn_plate",
            entity=PiiType.PLATE,
            patterns=[
                Pattern(
                    "plate",
                    f"[{_PROVINCES}][A-Z][\\s\\-·•]?[A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警港澳]"
                    + _NA,
                    0.9,
                )
            ],
        ),
        PatternRecognizer(
            name="cn_address",
            entity=PiiType.ADDRESS,
            patterns=[
                Pattern(
                    "address_context",
                    _ADDRESS_CONTEXT
                    + r"((?:[\u4e00-\u9fa5]{2,8}?(?:省|自治区|市|州|盟|县|区|旗|镇|乡))+"
                    + _PLACE_TAIL
                    + ")",
                    0.85,
                    group=1,
                ),
                Pattern(
                    "address_hierarchy",
                    r"((?:[\u4e00-\u9fa5]{2,4}(?:省|自治区)|北京市|上海市|天津市|重庆市)"
                    r"(?:[\u4e00-\u9fa5]{1,6}?(?:市|州|盟|县|区|旗))+" + _PLACE_TAIL + ")",
                    0.8,
                    group=1,
                ),
            ],
        ),
        DigitRunRecognizer(),
        NameRecognizer(),
    ]
