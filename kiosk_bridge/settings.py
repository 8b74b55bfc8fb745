"""Configuration section of the kiosk bridge package (``DAOBAN_KIOSK__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class KioskBridgeSettings(BaseModel):
    """Kiosk device-interface settings (GB/T 47483 §8.3)."""

    device_url: str = Field(
        default="http://127.0.0.1:8801", description="Kiosk device service, loopback only"
    )
