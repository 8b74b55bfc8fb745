"""SortedKeys: the compact set of coverage keys the index keeps per matter."""

import pickle

from knowledge.index.keys import SortedKeys, holds


def test_answers_membership_like_a_frozenset():
    words = ["shen fen", "fen zheng", "bu ban", "shen fen", "zheng bu"]
    keys, plain = SortedKeys(words), frozenset(words)
    for probe in [*words, "hu zhao", "", "shen", "zheng bv"]:
        assert (probe in keys) == (probe in plain) == holds(keys, probe)
    assert len(keys) == len(plain) == 4
    assert set(keys) == plain


def test_keeps_its_keys_sorted_and_takes_no_other_type():
    keys = SortedKeys(["b", "a", "c"])
    assert tuple(keys) == ("a", "b", "c")
    others: list[object] = [1, None]
    assert all(other not in keys for other in others)


def test_empty_holds_nothing():
    assert "a" not in SortedKeys()
    assert not holds(SortedKeys(), "a")


def test_survives_pickling_as_itself():
    """The derived-terms cache pickles each matter's keys between starts."""
    keys = SortedKeys(["ju zhu", "zhu zheng"])
    again = pickle.loads(pickle.dumps(keys, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is SortedKeys
    assert again == keys
    assert "zhu zheng" in again
