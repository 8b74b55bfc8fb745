"""Configuration of the editor workbench (``DAOBAN_EDITOR__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EditorSettings(BaseModel):
    """Knowledge editing (GB/T 47483 §6.3–6.4): the scheduled-publish sweep."""

    schedule_poll_s: float = Field(
        default=15.0,
        ge=0.5,
        le=3600,
        description="Seconds between checks for drafts whose effective date (生效日期) is due",
    )
    preview_session_ttl_s: int = Field(
        default=60, ge=10, le=3600, description="Dialogue memory of a preview run (seconds)"
    )
