"""ORM tables of the usage statistics and the shared back-office keys.

``stats_hourly`` holds counts only: one row per (hour, kiosk, matter code, event, reason,
channel), never question text, personal data or a session id (GB/T 47483 §9.4.1 d, §10.1).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from daoban.timestamps import UtcDateTime


class StatsBase(DeclarativeBase):
    """Declarative base of the statistics tables."""


class HourlyCountRow(StatsBase):
    """How many events of one kind happened in one hour (UTC, truncated) at one kiosk."""

    __tablename__ = "stats_hourly"
    __table_args__ = (
        UniqueConstraint(
            "hour", "kiosk_id", "matter_code", "event", "reason", "channel",
            name="uq_stats_hourly_key",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hour: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    matter_code: Mapped[str] = mapped_column(String(64), default="")
    event: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class BackofficeKeyRow(StatsBase):
    """A named random key every worker reads from the database (e.g. answer-id signing)."""

    __tablename__ = "backoffice_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
