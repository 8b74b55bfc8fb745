"""ORM table of the composition: the change feed every worker follows.

``daoban_change_feed`` holds one row per change to what the service serves (a publish, a
retirement, a lexicon term, an approved correction, a policy reload) with a monotonically
increasing ``seq``; a worker remembers the last ``seq`` it applied and catches up from here
after a missed notification or a reconnect. Rows hold a kind and an origin only: no text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from daoban.timestamps import UtcDateTime


class CompositionBase(DeclarativeBase):
    """Declarative base of the composition's tables."""


class ChangeRow(CompositionBase):
    """One announced change: its sequence number, kind and the worker that made it."""

    __tablename__ = "daoban_change_feed"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
