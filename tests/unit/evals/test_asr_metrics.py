"""Recognition metrics: CER with and without typography, toneless-syllable error rate."""

from evals.metrics import (
    character_error_rate,
    plain_character_error_rate,
    plain_characters,
    syllable_error_rate,
    toneless_syllables,
)


def test_plain_characters_drop_punctuation_spaces_and_width():
    assert plain_characters("身份证，丢了? ＡＢ c") == "身份证丢了abc"


def test_punctuation_read_back_differently_is_not_a_character_error():
    refs, hyps = ["身份证丢了，怎么补办"], ["身份证丢了,怎么补办?"]
    assert character_error_rate(refs, hyps) > 0
    assert plain_character_error_rate(refs, hyps) == 0


def test_homophones_are_character_errors_but_not_syllable_errors():
    refs, hyps = ["身份证怎么办"], ["深份正怎么半"]
    assert plain_character_error_rate(refs, hyps) == 0.5
    assert syllable_error_rate(refs, hyps) == 0  # shen fen zheng zen me ban, tones aside
    assert syllable_error_rate(refs, ["身份"]) == 4 / 6
    assert toneless_syllables("社保A") == ["she", "bao", "a"]
