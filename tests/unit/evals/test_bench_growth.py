import pytest

from evals.bench.growth import (
    DISTRICTS,
    PROVINCES,
    family_code,
    grow_matters,
    region_word,
)
from evals.bench.runner import parse_sizes
from knowledge.models import MatterContent
from tests.factories import sample_matters


@pytest.fixture(scope="module")
def base():
    return sample_matters()


@pytest.fixture(scope="module")
def grown(base):
    return grow_matters(base, 2000)


def test_keeps_the_samples_first_and_unchanged(base, grown):
    assert grown[: len(base)] == base


def test_reaches_the_size_with_unique_codes_and_names(grown):
    assert len(grown) == 2000
    assert len({m.code for m in grown}) == 2000
    assert len({m.name for m in grown}) == 2000


def test_copies_are_valid_matter_contents(base, grown):
    for matter in grown[len(base) :: 97]:
        MatterContent.model_validate(matter.content().model_dump())


def test_copies_carry_a_region_word_and_map_back_to_their_family(base, grown):
    by_code = {m.code: m for m in base}
    for matter in grown[len(base) :]:
        original = by_code[family_code(matter.code)]
        assert matter.code != original.code
        assert original.name in matter.name
        assert matter.name != original.name
        assert matter.department.endswith(original.department)
        assert matter.materials == original.materials
        assert set(matter.colloquial_names) <= set(original.colloquial_names)


def test_family_code_of_an_original_is_itself():
    assert family_code("HJ-0004") == "HJ-0004"
    assert family_code("HJ-0004-R00012") == "HJ-0004"


def test_is_deterministic(base):
    assert grow_matters(base, 300) == grow_matters(base, 300)
    assert grow_matters(base, 300, seed=1) != grow_matters(base, 300)


def test_region_words_are_distinct_across_a_100k_base():
    variants = 100_000 // 89 + 1
    words = {region_word(v) for v in range(1, variants + 1)}
    assert len(words) == variants
    assert len(PROVINCES) * len(DISTRICTS) >= variants


@pytest.mark.parametrize(("size", "message"), [(10, "size must be >="), (0, "size must be >=")])
def test_refuses_sizes_below_the_base(base, size, message):
    with pytest.raises(ValueError, match=message):
        grow_matters(base, size)


def test_refuses_an_empty_base():
    with pytest.raises(ValueError, match="at least one"):
        grow_matters([], 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sample,1000,10000", [None, 1000, 10000]),
        ("10000, sample ,1000,1000", [None, 1000, 10000]),
        ("100k", [100000]),
    ],
)
def test_parse_sizes(text, expected):
    assert parse_sizes(text) == expected


@pytest.mark.parametrize("text", ["", "tiny", "0", "300001"])
def test_parse_sizes_refuses(text):
    with pytest.raises(ValueError):
        parse_sizes(text)
