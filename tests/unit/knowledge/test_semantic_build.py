"""The retriever's derived-terms file is keyed by every module that decides what is derived."""

from __future__ import annotations

from pathlib import Path

import knowledge.index.dense
import knowledge.retrieve
import knowledge.text
import knowledge.thesaurus
from knowledge.index.derived_cache import DerivedTermsCache
from knowledge.semantic import DERIVING_MODULES, build_retriever
from knowledge.settings import KnowledgeSettings
from knowledge.thesaurus import BUNDLED_THESAURUS


def test_the_derived_file_is_keyed_by_the_passage_and_thesaurus_code_too(tmp_path: Path) -> None:
    settings = KnowledgeSettings(semantic_channel=False, index_cache_dir=tmp_path)
    retriever = build_retriever(settings)
    salt = BUNDLED_THESAURUS.read_bytes()
    cache = retriever._derived_cache
    assert cache is not None
    assert set(DERIVING_MODULES) == {
        knowledge.retrieve,
        knowledge.text,
        knowledge.index.dense,
        knowledge.thesaurus,
    }
    assert cache.path == DerivedTermsCache(tmp_path, list(DERIVING_MODULES), salt).path
    # passages derived by another knowledge.index.dense (say, before a passage change) are
    # in another file than the one the terms-only key would name
    terms_only = DerivedTermsCache(tmp_path, [knowledge.retrieve, knowledge.text], salt)
    assert cache.path != terms_only.path
