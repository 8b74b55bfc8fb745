import pytest

from knowledge.text import (
    ChineseTokenizer,
    bigrams,
    fold_syllable,
    normalize,
    pinyin_keys,
    spoken_number,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [("户口签移", "户口迁移"), ("异地就一备案", "异地就医备案"), ("社保卡挂是", "社保卡挂失")],
)
def test_recognizer_homophones_share_pinyin_keys(a, b):
    assert pinyin_keys(a) == pinyin_keys(b)


def test_folds_near_homophones():
    assert fold_syllable("shi") == fold_syllable("si")
    assert fold_syllable("qing") == fold_syllable("qin")
    assert fold_syllable("nan") == fold_syllable("lan")


def test_normalize_full_width_and_case():
    assert normalize("ＩＤ　Ｃａｒｄ") == "id card"


def test_tokens_drop_stop_words_and_stem_english():
    tokenizer = ChineseTokenizer(["居住证"])
    tokens = tokenizer.tokens("居住证怎么办？")
    assert "居住证" in tokens
    assert not {"怎么办", "？", "怎么"} & set(tokens)
    assert tokenizer.tokens("expired licences") == ["expir", "licenc"]


def test_bigrams():
    assert bigrams(["a", "b", "c"]) == ["a_b", "b_c"]
    assert bigrams(["a"]) == ["a"]


def test_r_folds_with_l_and_n():
    assert fold_syllable("ren") == fold_syllable("len") == fold_syllable("nen")


@pytest.mark.parametrize(
    ("written", "spoken"), [("年满60周岁", "年满六十周岁"), ("3个工作日", "三个工作日")]
)
def test_numbers_are_keyed_as_said(written, spoken):
    assert pinyin_keys(written) == pinyin_keys(spoken)


def test_long_numbers_are_read_digit_by_digit():
    assert spoken_number("12345") == "一二三四五"
    assert spoken_number("105") == "一百零五"
    assert pinyin_keys("ETC卡") == ["etc", "ka"]
