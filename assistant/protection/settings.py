"""Configuration of the protection layer (``DAOBAN_PROTECTION__*``)."""

from __future__ import annotations

from pathlib import Path

from limits import parse
from pydantic import BaseModel, Field, field_validator


class ProtectionSettings(BaseModel):
    """Rate limits, request sizes, security headers and TLS (GB/T 47483 §9.2.1 a, §9.2.2 b).

    Rates use the ``limits`` notation (``"120/minute"``, ``"10 per 10 seconds"``).
    """

    enabled: bool = Field(default=True, description="Apply rate and size limits (headers always)")
    kiosk_rate: str = Field(
        default="120/minute", description="Requests per kiosk credential (X-Kiosk-Token)"
    )
    token_rate: str = Field(
        default="600/minute", description="Requests per reviewer/editor bearer token"
    )
    address_rate: str = Field(
        default="300/minute", description="Requests per client address without a credential"
    )
    failed_auth_rate: str = Field(
        default="10/minute",
        description="Failed credential attempts (401) per client address before every "
        "credentialed request from it is answered 429 until the window passes",
    )
    max_json_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body (bytes) except audio"
    )
    max_audio_bytes: int = Field(
        default=16_777_216, ge=1024,
        description="Largest body (bytes) on the speech paths (/v1/asr, /v1/speech, /v1/voice)",
    )
    audio_paths: tuple[str, ...] = Field(
        default=("/v1/asr", "/v1/speech", "/v1/voice", "/v1/kiosk/voice"),
        description="Path prefixes allowed the audio body size",
    )
    hsts_max_age_s: int = Field(
        default=31_536_000, ge=0, description="Strict-Transport-Security max-age when TLS is on"
    )
    tls_certfile: Path | None = Field(
        default=None, description="PEM certificate chain: `daoban serve` listens with TLS (§8.1)"
    )
    tls_keyfile: Path | None = Field(default=None, description="PEM private key of the certificate")
    trust_forwarded: bool = Field(
        default=False,
        description="Behind a reverse proxy on loopback: take the client address from "
        "X-Forwarded-For and the scheme from X-Forwarded-Proto",
    )

    @field_validator("kiosk_rate", "token_rate", "address_rate", "failed_auth_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        parse(value)  # raises ValueError on a malformed rate
        return value

    @property
    def tls(self) -> bool:
        """Whether a certificate and key are configured."""
        return self.tls_certfile is not None and self.tls_keyfile is not None
