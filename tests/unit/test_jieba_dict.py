"""jieba's default dictionary read from its cache in one piece (daoban.jieba_dict)."""

from __future__ import annotations

import marshal
from pathlib import Path

import jieba
import pytest

from daoban.jieba_dict import load_default_dictionary


def _tokenizer(folder: Path) -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(folder)
    return tokenizer


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], int, bytes]:
    """jieba's own dictionary (built and cached by jieba) and the cache file it wrote."""
    folder = tmp_path_factory.mktemp("jieba")
    tokenizer = _tokenizer(folder)
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total, (folder / "jieba.cache").read_bytes()


def test_the_cache_gives_what_jieba_loads(
    tmp_path: Path, reference: tuple[dict[str, int], int, bytes]
) -> None:
    freq, total, cache = reference
    (tmp_path / "jieba.cache").write_bytes(cache)
    tokenizer = _tokenizer(tmp_path)
    load_default_dictionary(tokenizer)
    assert tokenizer.initialized
    assert tokenizer.total == total
    assert dict(tokenizer.FREQ) == freq
    assert tokenizer.lcut("身份证丢了怎么补办") == ["身份证", "丢", "了", "怎么", "补办"]


def test_the_cache_is_what_is_read(tmp_path: Path) -> None:
    """A valid cache is used as it is (jieba's own rule for its default dictionary)."""
    (tmp_path / "jieba.cache").write_bytes(marshal.dumps(({"办": 3, "办理": 2}, 5)))
    tokenizer = _tokenizer(tmp_path)
    load_default_dictionary(tokenizer)
    assert tokenizer.FREQ == {"办": 3, "办理": 2}
    assert tokenizer.total == 5
    load_default_dictionary(tokenizer)  # idempotent: nothing reread
    assert tokenizer.total == 5


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01garbage",  # not marshal
        marshal.dumps(({"办": 3}, 3))[:-3],  # truncated
        marshal.dumps(({"办": 3}, 3, 4)),  # not jieba's shape
    ],
)
def test_a_broken_cache_is_rebuilt_by_jieba(
    tmp_path: Path, content: bytes, reference: tuple[dict[str, int], int, bytes]
) -> None:
    freq, total, cache = reference
    (tmp_path / "jieba.cache").write_bytes(content)
    tokenizer = _tokenizer(tmp_path)
    load_default_dictionary(tokenizer)
    assert tokenizer.initialized
    assert (tokenizer.total, len(tokenizer.FREQ)) == (total, len(freq))
    # jieba rewrote the cache: the next start reads it
    assert marshal.loads((tmp_path / "jieba.cache").read_bytes())[1] == total


def test_no_cache_yet_is_built_by_jieba(
    tmp_path: Path, reference: tuple[dict[str, int], int, bytes]
) -> None:
    tokenizer = _tokenizer(tmp_path)
    load_default_dictionary(tokenizer)
    assert tokenizer.total == reference[1]
    assert (tmp_path / "jieba.cache").is_file()


def test_another_dictionary_is_left_to_jieba(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("办理 10 v\n居住证 5 n\n", encoding="utf-8")
    (tmp_path / "jieba.cache").write_bytes(marshal.dumps(({"办": 3}, 3)))
    tokenizer = jieba.Tokenizer(str(words))
    tokenizer.tmp_dir = str(tmp_path)
    load_default_dictionary(tokenizer)
    assert tokenizer.total == 15
    assert "居住证" in tokenizer.FREQ
