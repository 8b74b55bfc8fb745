"""Derived index terms kept on the node's disk: a restart loads them instead of deriving."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import knowledge.retrieve
import knowledge.text
from knowledge.index.derived_cache import DerivedTermsCache
from knowledge.retrieve import HybridRetriever
from tests.factories import sample_matters


def _retriever(folder: Path, salt: bytes = b"t1") -> HybridRetriever:
    cache = DerivedTermsCache(folder, [knowledge.retrieve, knowledge.text], salt)
    return HybridRetriever(derived_cache=cache)


def _count_derivations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The codes of the matters derived from now on (not loaded from a file), in order."""
    derived: list[str] = []
    original = HybridRetriever._derive

    def counting(self: HybridRetriever, m, memo):
        derived.append(m.code)
        return original(self, m, memo)

    monkeypatch.setattr(HybridRetriever, "_derive", counting)
    return derived


def test_a_restart_loads_the_terms_and_ranks_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matters = sample_matters()
    first = _retriever(tmp_path)
    first.rebuild(matters)
    expected = [h.matter.code for h in first.search("身份证丢了怎么补办", k=3)]
    assert list(tmp_path.glob("derived-*.pkl"))

    derived = _count_derivations(monkeypatch)
    second = _retriever(tmp_path)
    second.rebuild(matters)
    assert derived == []  # every matter's terms came from the file
    assert [h.matter.code for h in second.search("身份证丢了怎么补办", k=3)] == expected

    third = _retriever(tmp_path, salt=b"another thesaurus")
    third.rebuild(matters[:2])
    assert len(derived) == 2  # a different thesaurus (or code) starts a fresh file


def test_a_damaged_file_is_derived_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    matters = sample_matters()
    _retriever(tmp_path).rebuild(matters)
    for path in tmp_path.glob("derived-*.pkl"):
        path.write_bytes(b"not a pickle")
    retriever = _retriever(tmp_path)
    with caplog.at_level(logging.WARNING):
        retriever.rebuild(matters)
    assert "unreadable" in caplog.text
    assert retriever.search("居住证怎么办", k=1)


def test_terms_derived_under_another_catalogues_words_are_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matters = sample_matters()
    _retriever(tmp_path).rebuild(matters[:-1])  # saved under the words of one fewer matter
    derived = _count_derivations(monkeypatch)
    _retriever(tmp_path).rebuild(matters)  # the dictionary now has another matter's names
    assert len(derived) == len(matters)


def test_a_publish_rewrites_the_file_only_when_it_is_due(tmp_path: Path) -> None:
    matters = sample_matters()
    retriever = _retriever(tmp_path)
    retriever.rebuild(matters)
    (path,) = tmp_path.glob("derived-*.pkl")
    written = path.stat().st_mtime_ns

    first = matters[0]
    edited = first.model_copy(
        update={"version": first.version + 1, "conditions": [*first.conditions, "新增条件"]}
    )
    retriever.rebuild([edited, *matters[1:]])
    assert path.stat().st_mtime_ns == written  # same words, one matter: a restart derives it

    restarted = _retriever(tmp_path)
    restarted.rebuild([edited, *matters[1:]])
    assert [h.matter.code for h in restarted.search("身份证丢了怎么补办", k=3)] == [
        h.matter.code for h in retriever.search("身份证丢了怎么补办", k=3)
    ]

    renamed = first.model_copy(update={"version": first.version + 2, "name": "全新的事项名称"})
    retriever.rebuild([renamed, *matters[1:]])
    assert path.stat().st_mtime_ns != written  # new words: the old file would not be used
