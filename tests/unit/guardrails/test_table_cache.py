"""The guard's character tables on disk (guardrails.table_cache): reuse, invalidation, repair."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path

import pytest

from guardrails import folding, lexicon, table_cache
from guardrails.table_cache import load_or_build


@pytest.fixture
def cache_dir(tmp_path: Path) -> Iterator[Path]:
    before = table_cache.directory()
    table_cache.use_directory(tmp_path)
    yield tmp_path
    table_cache.use_directory(before)


class Builds:
    """A table builder that counts its calls."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def _valid(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def test_off_without_a_folder(tmp_path: Path) -> None:
    table_cache.use_directory(None)
    build = Builds(["a"])
    assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a"]
    assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a"]
    assert build.calls == 2
    assert list(tmp_path.iterdir()) == []


def test_built_once_then_read(cache_dir: Path) -> None:
    build = Builds(["a", "b"])
    assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a", "b"]
    assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a", "b"]
    assert build.calls == 1
    assert [p.suffix for p in cache_dir.iterdir()] == [".marshal"]


def test_a_changed_input_builds_afresh(cache_dir: Path) -> None:
    old, new = Builds(["old"]), Builds(["new"])
    assert load_or_build("t", lambda: [b"data v1"], old, _valid) == ["old"]
    assert load_or_build("t", lambda: [b"data v2"], new, _valid) == ["new"]
    assert load_or_build("t", lambda: [b"data v1"], old, _valid) == ["old"]
    assert (old.calls, new.calls) == (1, 1)


@pytest.mark.parametrize(
    "content",
    [b"", b"\xffnot marshal", marshal.dumps(["a", "b"])[:-2], marshal.dumps([1, 2])],
)
def test_a_broken_file_is_rebuilt_and_rewritten(cache_dir: Path, content: bytes) -> None:
    build = Builds(["a", "b"])
    load_or_build("t", lambda: [b"x"], build, _valid)
    (path,) = cache_dir.iterdir()
    path.write_bytes(content)
    assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a", "b"]
    assert build.calls == 2
    assert marshal.loads(path.read_bytes()) == ["a", "b"]


def test_an_unwritable_folder_still_builds(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    table_cache.use_directory(blocker / "cache")
    try:
        build = Builds(["a"])
        assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a"]
        assert load_or_build("t", lambda: [b"x"], build, _valid) == ["a"]
        assert build.calls == 2
    finally:
        table_cache.use_directory(None)


def test_folding_tables_from_the_cache_are_the_built_ones(cache_dir: Path) -> None:
    table_cache.use_directory(None)
    built_folder, built_sounds = folding.Folder(), folding.Syllables()
    table_cache.use_directory(cache_dir)
    folding.Folder(), folding.Syllables()  # written
    assert len(list(cache_dir.iterdir())) == 2
    folder, sounds = folding.Folder(), folding.Syllables()  # read
    assert folder.skeleton("辦理 Ｉ·Ｄ") == built_folder.skeleton("辦理 Ｉ·Ｄ") == "办理id"
    assert folder._fold == built_folder._fold
    assert folder._skeleton == built_folder._skeleton
    assert sounds.encode("兵毒") == sounds.encode("冰毒") == built_sounds.encode("冰毒")
    assert sounds.spell(sounds.encode("法伦工")) == ["fa", "lun", "gong"]
    assert sounds.known == built_sounds.known
    assert sounds._table == built_sounds._table


def test_lexicon_word_lists_from_the_cache_are_the_built_ones(cache_dir: Path) -> None:
    table_cache.use_directory(None)
    lexicon.common_words.cache_clear()
    lexicon.frequent_chars.cache_clear()
    built = lexicon.common_words(), lexicon.frequent_chars(500)
    table_cache.use_directory(cache_dir)
    for _ in range(2):  # written, then read
        lexicon.common_words.cache_clear()
        lexicon.frequent_chars.cache_clear()
        assert (lexicon.common_words(), lexicon.frequent_chars(500)) == built
    assert len(list(cache_dir.iterdir())) == 2
    assert "办理" in built[0]
    assert len(built[1]) == 500
    lexicon.common_words.cache_clear()
    lexicon.frequent_chars.cache_clear()


def test_a_syllable_table_of_the_wrong_shape_is_rebuilt(cache_dir: Path) -> None:
    folding.Syllables()
    (path,) = cache_dir.iterdir()
    names, table = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps((names + names[:1], table)))  # a duplicate syllable
    sounds = folding.Syllables()
    assert sounds.spell(sounds.encode("冰毒")) == ["bing", "du"]
    assert marshal.loads(path.read_bytes())[0] == names
