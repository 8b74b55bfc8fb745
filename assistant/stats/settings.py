"""Configuration of the usage statistics (``DAOBAN_STATS__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StatsSettings(BaseModel):
    """Usage statistics (GB/T 47483 §10.1): hourly counters in the database."""

    enabled: bool = Field(default=True, description="Record hourly usage counters")
    retention_days: int = Field(
        default=1100,
        ge=1,
        le=36500,
        description="Hours older than this many days are pruned (≈3 years keeps yearly use)",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="IANA time zone of the hourly curve, days, months and years shown",
    )
    feedback_window_h: int = Field(
        default=24, ge=1, le=720, description="Hours during which an answer id accepts feedback"
    )
    flush_interval_s: float = Field(
        default=1.0, ge=0, le=60,
        description="Seconds the counts of many turns are summed in memory before one write "
        "(0: one write per turn); a worker killed without shutdown loses at most this much",
    )
    prune_interval_s: int = Field(
        default=3600, ge=10, le=86400, description="Seconds between retention sweeps"
    )
