"""The dense channel: matter passages embedded once, searched by cosine similarity.

Vectors are unit rows of one float32 matrix; a query is one matrix-vector product (10,000
matters × 384 dimensions is about a millisecond), so the channel needs numpy only.
Passages are embedded with the embedder's passage role and questions with its query role
(e5's "passage: " / "query: ").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knowledge.embeddings import RetrievalEmbedder
from knowledge.models import Matter


def matter_passage(matter: Matter) -> str:
    """The text embedded for a matter: its names, objects and conditions."""
    return "；".join([*matter.names, *matter.service_objects, *matter.conditions[:3]])


class DenseChannel:
    """Cosine similarity of the query to each matter's passage."""

    name = "dense"

    def __init__(self, embedder: RetrievalEmbedder) -> None:
        """Use ``embedder``'s passage role for matters and its query role for questions."""
        self._embedder = embedder
        self._matrix: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)

    def build(self, matters: Sequence[Matter]) -> None:
        """Embed ``matters`` and index them; positions follow the sequence."""
        if matters:
            self._matrix = self._embedder.encode_passages([matter_passage(m) for m in matters])
        else:
            self._matrix = np.zeros((0, self._embedder.dimension), dtype=np.float32)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """Cosine similarity of every matter to ``query``, shape ``(matters,)``, in [-1, 1]."""
        if not len(self._matrix):
            return np.zeros(0, dtype=np.float32)
        vector = self._embedder.encode_queries([query])[0]
        return np.asarray(self._matrix @ vector, dtype=np.float32)
