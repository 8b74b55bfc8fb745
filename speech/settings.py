"""Configuration section of the speech package (``DAOBAN_SPEECH__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class SpeechSettings(BaseModel):
    """Speech recognition and synthesis settings."""

    asr_model_path: Path | None = Field(
        default=None, description="Local vosk model folder; None or missing turns voice off"
    )
