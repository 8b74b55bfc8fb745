"""Lexicon: evasion (traditional, full-width, inserted symbols, pinyin, initials, homoglyphs)
and the allow-list of legitimate government phrases."""

from __future__ import annotations

import pytest

from guardrails.errors import LexiconTermError
from guardrails.folding import Folder
from guardrails.lexicon import Lexicon, bundled_terms
from guardrails.models import LexiconTerm


@pytest.fixture(scope="module")
def lexicon(folder: Folder) -> Lexicon:
    return Lexicon(folder, bundled_terms())


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("哪里能买到冰毒", "冰毒"),
        ("哪里能买到冰 毒", "冰毒"),
        ("冰*毒*哪里有", "冰毒"),
        ("法.轮.功", "法轮功"),
        ("法輪功", "法轮功"),
        ("ＦａＬｕｎＧｏｎｇ", "法轮功"),
        ("fa lun 功", "法轮功"),
        ("我想了解 F.L.G", "法轮功"),
        ("哪里办假證", "办假证"),
        ("买卖 sеx 毒品", "毒品"),
    ],
)
def test_evasion_is_caught(lexicon: Lexicon, text: str, term: str) -> None:
    assert term in [hit.term for hit in lexicon.scan(text)]


@pytest.mark.parametrize(
    "text",
    ["打击犯罪", "禁毒宣传活动", "枪支持有许可怎么办", "五星红旗", "天安门广场开放时间",
     "居住证怎么办", "身份证丢了咋补", "反诈骗宣传", "公章刻制备案"],
)  # fmt: skip
def test_allow_list_and_ordinary_text_pass(lexicon: Lexicon, text: str) -> None:
    assert lexicon.scan(text) == []


def test_unknown_category_is_refused(folder: Folder) -> None:
    with pytest.raises(LexiconTermError):
        Lexicon(folder, [LexiconTerm(term="某词", category="nope")], categories=["illegal"])
