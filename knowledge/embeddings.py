"""Sentence embedders for the dense retrieval channel.

:class:`SentenceTransformerEmbedder` loads a sentence-transformers model from a local folder
(a deployment points it at e.g. bge-small-zh-v1.5; no model hub is reachable). It is built
cheap; :meth:`~SentenceTransformerEmbedder.warm_up` loads the model, and a missing folder or
missing ``daoban[dense]`` extra leaves it unavailable with the reason in :meth:`status`.

:class:`HashingEmbedder` is deterministic and for tests only: it hashes character bigrams
into a fixed-size vector, so the dense code path can run without any model.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

logger = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class ComponentStatus(BaseModel):
    """Whether an optional component is live, and why not."""

    model_config = ConfigDict(frozen=True)

    available: bool
    reason: str = ""


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors of shape ``(len(texts), dimension)``."""

    @property
    def dimension(self) -> int:
        """Vector size."""
        ...

    def encode(self, texts: list[str]) -> Vectors:
        """Encode ``texts``; rows are unit vectors."""
        ...


class RetrievalEmbedder(Embedder, Protocol):
    """An :class:`Embedder` the dense channel can load and ask with the right roles.

    Asymmetric models (e5) embed a question and a passage with different prefixes; symmetric
    ones (bge-small-zh through sentence-transformers) use :meth:`encode` for both.
    """

    @property
    def model_id(self) -> str:
        """Names the model and its weights (cache key of its vectors), ≤ 64 characters."""
        ...

    def warm_up(self) -> ComponentStatus:
        """Load the model (idempotent); the status says whether it is live and why not."""
        ...

    def status(self) -> ComponentStatus:
        """Current availability."""
        ...

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Encode citizens' questions; shape ``(len(texts), dimension)``, unit rows."""
        ...

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Encode matter passages; shape ``(len(texts), dimension)``, unit rows."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from ``path`` (CPU)."""

    def __init__(self, path: Path | None) -> None:
        """Remember the model folder; nothing is loaded until :meth:`warm_up`."""
        self._path = path
        self._model: Any = None
        self._status = ComponentStatus(available=False, reason="not loaded yet")

    def warm_up(self) -> ComponentStatus:
        """Load the model if the extra is installed and the folder exists (idempotent)."""
        if self._model is not None:
            return self._status
        if self._path is None:
            self._status = ComponentStatus(
                available=False,
                reason="no embedding model configured (knowledge.embedding_model_path)",
            )
        elif not self._path.is_dir():
            self._status = ComponentStatus(
                available=False, reason=f"model not found at {self._path}"
            )
        else:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                self._status = ComponentStatus(
                    available=False,
                    reason="sentence-transformers not installed: pip install 'daoban[dense]'",
                )
            else:
                self._model = SentenceTransformer(str(self._path), device="cpu")
                self._status = ComponentStatus(available=True, reason=f"loaded {self._path.name}")
        if not self._status.available:
            logger.warning("dense retrieval off: %s", self._status.reason)
        return self._status

    def status(self) -> ComponentStatus:
        """Current availability."""
        return self._status

    @property
    def dimension(self) -> int:
        """Vector size of the loaded model.

        Raises:
            RuntimeError: the model is not loaded.
        """
        if self._model is None:
            raise RuntimeError("embedding model not loaded; call warm_up() first")
        # sentence-transformers ≥ 6 renamed the method; older releases have only the old name.
        method = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        return int(method())

    def encode(self, texts: list[str]) -> Vectors:
        """Encode ``texts`` into unit vectors, shape ``(len(texts), dimension)``.

        Raises:
            RuntimeError: the model is not loaded.
        """
        if self._model is None:
            raise RuntimeError("embedding model not loaded; call warm_up() first")
        vectors = self._model.encode(
            texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def model_id(self) -> str:
        """``st:<folder name>``: the cache key of this model's vectors."""
        name = self._path.name if self._path is not None else "none"
        return f"st:{name}"[:64]

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Questions, encoded like any text (symmetric model)."""
        return self.encode(texts)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Matter passages, encoded like any text (symmetric model)."""
        return self.encode(texts)


class HashingEmbedder:
    """Deterministic character-bigram hashing vectors. For tests only: no semantics."""

    def __init__(self, dimension: int = 256) -> None:
        """Vectors of ``dimension`` floats."""
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        """Vector size."""
        return self._dimension

    def encode(self, texts: list[str]) -> Vectors:
        """Hash each text's character bigrams into a unit vector."""
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                digest = hashlib.sha256((a + b).encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self._dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out

    @property
    def model_id(self) -> str:
        """``hashing:<dimension>``."""
        return f"hashing:{self._dimension}"

    def warm_up(self) -> ComponentStatus:
        """Nothing to load."""
        return self.status()

    def status(self) -> ComponentStatus:
        """Always available (tests only)."""
        return ComponentStatus(available=True, reason="hashing embedder (tests only)")

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Same as :meth:`encode`."""
        return self.encode(texts)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Same as :meth:`encode`."""
        return self.encode(texts)
