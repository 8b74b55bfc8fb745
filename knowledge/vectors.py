"""The semantic channel's passage vectors, cached in the database by content hash.

Embedding a region's 2,000+ matters with e5 takes about a minute on two cores; a restart or a
publish must not pay that again. :class:`MatterVectorCache` keeps each passage's vector under
(model, sha256 of the passage text): start-up loads the stored ones and embeds only passages
it has never seen, and a publish embeds only the matters whose passage changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.embeddings import Vectors
from knowledge.tables import MatterVectorRow

logger = logging.getLogger(__name__)

_BATCH = 500
"""Hashes per ``IN (...)`` query (keeps statements small on every database)."""


def text_hash(text: str) -> str:
    """sha256 hex of ``text`` (UTF-8): the cache key of a passage."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class MatterVectorCache:
    """Passage vectors in ``knowledge_matter_vectors``.

    Usage example::

        cache = MatterVectorCache(sessions)
        found = cache.load("e5-small-q4:1571fc98", hashes)      # {hash: (384,) float32}
        cache.save("e5-small-q4:1571fc98", {hash: vector, ...})

    A database error never breaks retrieval: the cache logs it and behaves as empty.
    """

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        """Use ``session_factory`` (a migrated database)."""
        self._sessions = session_factory

    def load(self, model: str, hashes: Iterable[str]) -> dict[str, Vectors]:
        """The stored vectors of ``model`` among ``hashes`` (missing ones are absent)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, Vectors] = {}
        try:
            with self._sessions() as session:
                for start in range(0, len(wanted), _BATCH):
                    rows = session.execute(
                        select(
                            MatterVectorRow.text_hash,
                            MatterVectorRow.dimension,
                            MatterVectorRow.vector,
                        ).where(
                            MatterVectorRow.model == model,
                            MatterVectorRow.text_hash.in_(wanted[start : start + _BATCH]),
                        )
                    )
                    for key, dimension, blob in rows:
                        vector = np.frombuffer(blob, dtype="<f4")
                        if vector.shape == (dimension,):
                            found[key] = vector.astype(np.float32)
        except SQLAlchemyError as exc:
            logger.warning("vector cache unreadable: %s", type(exc).__name__)
            return {}
        return found

    def save(self, model: str, vectors: dict[str, Vectors]) -> None:
        """Store ``vectors`` (hash → 1-d float32) for ``model``; existing keys are kept."""
        if not vectors:
            return
        now = datetime.now(UTC)
        try:
            with self._sessions.begin() as session:
                present: set[str] = set()
                keys = list(vectors)
                for start in range(0, len(keys), _BATCH):
                    present.update(
                        session.scalars(
                            select(MatterVectorRow.text_hash).where(
                                MatterVectorRow.model == model,
                                MatterVectorRow.text_hash.in_(keys[start : start + _BATCH]),
                            )
                        )
                    )
                session.add_all(
                    MatterVectorRow(
                        model=model,
                        text_hash=key,
                        dimension=int(vector.shape[0]),
                        vector=np.asarray(vector, dtype="<f4").tobytes(),
                        created_at=now,
                    )
                    for key, vector in vectors.items()
                    if key not in present
                )
        except SQLAlchemyError as exc:
            logger.warning("vector cache not written: %s", type(exc).__name__)

    def export(self, model: str) -> dict[str, Vectors]:
        """Every stored vector of ``model`` (hash → (d,) float32), e.g. to ship with a release."""
        with self._sessions() as session:
            rows = session.execute(
                select(MatterVectorRow.text_hash, MatterVectorRow.dimension, MatterVectorRow.vector)
                .where(MatterVectorRow.model == model)
                .order_by(MatterVectorRow.text_hash)
            )
            return {
                key: np.frombuffer(blob, dtype="<f4").astype(np.float32)
                for key, dimension, blob in rows
                if len(blob) == 4 * dimension
            }

    def count(self, model: str | None = None) -> int:
        """Stored vectors (of ``model`` when given)."""
        with self._sessions() as session:
            query = select(func.count()).select_from(MatterVectorRow)
            if model is not None:
                query = query.where(MatterVectorRow.model == model)
            return int(session.scalar(query) or 0)
