"""The dense channel: matter texts embedded once, searched with FAISS inner product.

Needs ``faiss-cpu`` (the ``daoban[dense]`` extra) and an :class:`~knowledge.embeddings.Embedder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.embeddings import Embedder
from knowledge.models import Matter


def matter_passage(matter: Matter) -> str:
    """The text embedded for a matter: its names, objects and conditions."""
    return "；".join([*matter.names, *matter.service_objects, *matter.conditions[:3]])


class DenseChannel:
    """Cosine similarity of the query to each matter, via a FAISS ``IndexFlatIP``."""

    name = "dense"

    def __init__(self, embedder: Embedder) -> None:
        """Use ``embedder`` for matters and queries alike."""
        self._embedder = embedder
        self._index: Any = None
        self._size = 0

    def build(self, matters: Sequence[Matter]) -> None:
        """Embed ``matters`` and index them; positions follow the sequence."""
        import faiss

        self._size = len(matters)
        index = faiss.IndexFlatIP(self._embedder.dimension)
        if matters:
            index.add(self._embedder.encode([matter_passage(m) for m in matters]))
        self._index = index

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """Similarity of every matter to ``query``, clipped to [0, 1]."""
        out = np.zeros(self._size, dtype=np.float32)
        if self._index is None or not self._size:
            return out
        vector = self._embedder.encode([query])
        k = min(self._size, 50)
        similarities, positions = self._index.search(vector, k)
        for similarity, position in zip(similarities[0], positions[0], strict=True):
            if position >= 0:
                out[position] = max(0.0, float(similarity))
        return out
