"""The Mandarin recognition-noise model: realistic, deterministic, and Mandarin only."""

from __future__ import annotations

import re

import pytest
from pypinyin import Style, lazy_pinyin

from evals.datasets import DEV_ROUTING_SET, read_routing_cases
from evals.metrics import character_error_rate
from evals.noise import PARTICLES, AsrNoise, NoiseConfig, near

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _mandarin_questions() -> list[str]:
    return [c.question for c in read_routing_cases(DEV_ROUTING_SET) if _HAN.search(c.question)]


def test_same_seed_same_noise() -> None:
    text = "我想把户口迁到我儿子家里，需要带什么材料"
    first = AsrNoise(NoiseConfig(seed=3)).apply(text)
    assert first == AsrNoise(NoiseConfig(seed=3)).apply(text)


def test_english_is_not_mandarin_and_passes_unchanged() -> None:
    noise = AsrNoise(NoiseConfig(homophone=1.0))
    assert noise.apply("How do I renew my passport?") == "How do I renew my passport?"


def test_punctuation_and_spaces_go_but_latin_words_stay_apart() -> None:
    noise = AsrNoise(NoiseConfig(homophone=0, near_homophone=0, drop_particle=0))
    assert noise.apply("我要办 ETC 卡，3 张？") == "我要办ETC卡三张"
    assert noise.apply("open an ETC account 办理") == "open an ETC account办理"


def test_substitutions_sound_alike() -> None:
    """Every changed character keeps its toneless syllable or moves one confusion away."""
    noise = AsrNoise(NoiseConfig(homophone=0.5, near_homophone=0.5, drop_particle=0))
    text = "社会保障卡申领需要身份证和户口本"
    noisy = noise.apply(text)
    assert len(noisy) == len(text) and noisy != text
    before = lazy_pinyin(text, style=Style.NORMAL)
    after = lazy_pinyin(noisy, style=Style.NORMAL)
    for a, b, ca, cb in zip(before, after, text, noisy, strict=True):
        if ca != cb:
            assert b == a or b in near(a), (ca, cb, a, b)


def test_only_particles_are_dropped() -> None:
    noise = AsrNoise(NoiseConfig(homophone=0, near_homophone=0, drop_particle=1.0))
    assert noise.apply("身份证丢了吗") == "身份证丢"
    assert all(c not in PARTICLES for c in noise.apply("你的呢吧啊呀嘛哦"))


@pytest.mark.parametrize(
    ("homophone", "near_homophone", "low", "high"),
    [(0.05, 0.025, 0.05, 0.11), (0.10, 0.05, 0.11, 0.18), (0.15, 0.075, 0.17, 0.25)],
)
def test_character_error_rate_on_the_dev_set(
    homophone: float, near_homophone: float, low: float, high: float
) -> None:
    """The default level sits in vosk-model-small-cn's published CER range (~10-20 %).

    Guards the rates: a change that makes the model much milder (or harsher) fails here.
    """
    questions = _mandarin_questions()
    noise = AsrNoise(NoiseConfig(homophone=homophone, near_homophone=near_homophone))
    clean = AsrNoise(NoiseConfig(homophone=0, near_homophone=0, drop_particle=0))
    references = [clean.apply(q) for q in questions]
    hypotheses = [noise.apply(q) for q in questions]
    assert low <= character_error_rate(references, hypotheses) <= high
