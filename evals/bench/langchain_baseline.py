"""The retrieval a LangChain user would build by default, on the same matters.

One :class:`~langchain_core.documents.Document` per matter (its names, situations and body
text, the fields daoban indexes; the code in the metadata); ``BM25Retriever`` (rank-bm25)
with ``preprocess_func=jieba.lcut``; a ``FAISS`` vector store; both in an
``EnsembleRetriever`` with equal weights (reciprocal rank fusion), ``k`` from each side.

No embedding model can be downloaded here, so the FAISS side embeds with the configured
sentence-transformers model when one is given and loads, else with daoban's test-only
:class:`~knowledge.embeddings.HashingEmbedder` (hashed character bigrams: lexical, no
semantics). :func:`baseline_embeddings_note` says which, for the report.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import jieba
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from knowledge.embeddings import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from knowledge.models import Matter

with warnings.catch_warnings():
    # langchain-community announces its sunset on import; the baseline is what users run today.
    warnings.simplefilter("ignore", DeprecationWarning)
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS


class EmbedderAdapter(Embeddings):
    """A daoban :class:`~knowledge.embeddings.Embedder` as LangChain ``Embeddings``."""

    def __init__(self, embedder: Embedder) -> None:
        """Wrap ``embedder`` (its vectors are already unit length)."""
        self._embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""
        return [[float(x) for x in row] for row in self._embedder.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query."""
        return self.embed_documents([text])[0]


def choose_embedder(model_path: Path | None) -> tuple[Embedder, str]:
    """The configured sentence-transformers model if it loads, else the hashing embedder.

    Returns:
        The embedder and a sentence for the report saying which one and why.
    """
    if model_path is not None:
        model = SentenceTransformerEmbedder(model_path)
        status = model.warm_up()
        if status.available:
            return model, f"sentence-transformers model at {model_path}"
        reason = status.reason
    else:
        reason = "no embedding model configured"
    return (
        HashingEmbedder(),
        f"HashingEmbedder (daoban's test-only hashed character bigrams, 256 dims): {reason}; "
        "the FAISS side is therefore lexical, not semantic",
    )


def matter_document(matter: Matter) -> Document:
    """The page a LangChain user would write for a matter: names, situations, body text."""
    parts = [
        *matter.names,
        matter.english_name,
        *matter.english_aliases,
        *matter.situations,
        matter.department,
        *matter.conditions,
        *(m.name for m in matter.materials),
        *(f"{s.name}：{s.description}" for s in matter.process),
        matter.result.name if matter.result else "",
    ]
    return Document(page_content="\n".join(p for p in parts if p), metadata={"code": matter.code})


class LangChainBaseline:
    """BM25 (jieba) + FAISS in an ``EnsembleRetriever``, over a list of matters.

    Usage example::

        baseline = LangChainBaseline(HashingEmbedder(), k=5)
        baseline.build(matters)
        baseline.search("身份证丢了怎么补办")   # ["HJ-0004", ...]
    """

    def __init__(self, embedder: Embedder, *, k: int = 5) -> None:
        """Embed with ``embedder``; each side returns ``k`` documents."""
        self._embeddings = EmbedderAdapter(embedder)
        self._k = k
        self._ensemble: EnsembleRetriever | None = None
        self.build_s = 0.0

    def build(self, matters: Sequence[Matter]) -> None:
        """Index ``matters`` in both stores; sets :attr:`build_s` (seconds)."""
        started = time.perf_counter()
        documents = [matter_document(m) for m in matters]
        bm25 = BM25Retriever.from_documents(documents, preprocess_func=jieba.lcut, k=self._k)
        faiss = FAISS.from_documents(documents, self._embeddings)
        self._ensemble = EnsembleRetriever(
            retrievers=[bm25, faiss.as_retriever(search_kwargs={"k": self._k})],
            weights=[0.5, 0.5],
        )
        self.build_s = time.perf_counter() - started

    def search(self, question: str) -> list[str]:
        """Matter codes for ``question``, best first.

        Raises:
            RuntimeError: :meth:`build` was not called.
        """
        if self._ensemble is None:
            raise RuntimeError("call build() first")
        documents = self._ensemble.invoke(question)
        return [str(d.metadata["code"]) for d in documents]
