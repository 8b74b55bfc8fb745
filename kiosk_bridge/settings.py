"""Configuration section of the kiosk bridge package (``DAOBAN_KIOSK__*``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from kiosk_bridge.sealing import check_key


class AnonymousKiosks(StrEnum):
    """Who may call the kiosk endpoints without a credential."""

    LOOPBACK = "loopback"  # the embedded default: the kiosk page on the same machine
    ALLOW = "allow"  # anyone (a closed network; say so in /health)
    DENY = "deny"  # nobody: every kiosk presents its credential


class KioskCredential(BaseModel):
    """One terminal's credential, sent as ``X-Kiosk-Token`` (like the reviewer tokens)."""

    kiosk_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$", description="The terminal's id")
    token: SecretStr = Field(description="Its secret, at least 16 characters")

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("a kiosk token must be at least 16 characters")
        return value


class KioskBridgeSettings(BaseModel):
    """Kiosk device-interface settings (GB/T 47483 §8.3, §8.4, §9.3.2)."""

    model_config = ConfigDict(hide_input_in_errors=True)  # keys never appear in errors

    device_url: str = Field(
        default="http://127.0.0.1:8801", description="Kiosk device service, loopback only (§8.3)"
    )
    timeout_ms: int = Field(default=2000, ge=50, le=60_000, description="Per device call (ms)")
    retries: int = Field(default=2, ge=0, le=10, description="Retries when absent/busy/slow")
    retry_backoff_ms: int = Field(default=100, ge=0, le=10_000, description="First backoff (ms)")
    read_chunk_bytes: int = Field(
        default=9600, ge=320, description="Audio fetched per pickup read (bytes; 300 ms at 16 kHz)"
    )
    max_recording_ms: int = Field(
        default=15_000, ge=1000, le=60_000,
        description="Longest recording the pickup is asked for (ms); the bridge stops waiting "
        "at this plus recording_stall_ms whatever the device does",
    )
    recording_stall_ms: int = Field(
        default=2000, ge=100, le=30_000,
        description="Longest wait for the pickup to open, start or deliver the next audio chunk "
        "(ms, retries included); a device frozen mid-recording ends the turn with 504 "
        "kiosk.recording_stalled instead of holding the citizen",
    )
    release_timeout_ms: int = Field(
        default=500, ge=50, le=10_000,
        description="Bound on stopping and closing the pickup after a recording (ms each); a "
        "frozen device is left as it is and reported, the citizen is not held",
    )
    low_confidence: float = Field(
        default=0.55, ge=0, le=1, description="Transcripts below this confidence are not trusted"
    )
    max_low_confidence_turns: int = Field(
        default=2, ge=1, le=5, description="Low-confidence recognitions before the soft keyboard"
    )
    idle_timeout_s: int = Field(
        default=120, ge=10, le=3600, description="Idle seconds that end a citizen's session"
    )
    sm4_key_hex: SecretStr | None = Field(
        default=None, description="SM4 key for ID-card data, 32 hex chars; None turns pre-fill off"
    )
    mac_key_hex: SecretStr | None = Field(
        default=None, description="HMAC-SM3 key for ID-card data, 32–128 hex chars"
    )
    credentials: list[KioskCredential] = Field(
        default_factory=list,
        description="Per-kiosk credentials (JSON list of {kiosk_id, token}); a kiosk sends "
        "its token as X-Kiosk-Token and may act only on its own sessions",
    )
    anonymous: AnonymousKiosks = Field(
        default=AnonymousKiosks.LOOPBACK,
        description="Kiosk calls without a credential: loopback (default, same machine only), "
        "allow (anyone) or deny",
    )
    seal_key_id: str = Field(
        default="default", pattern=r"^[A-Za-z0-9_.\-]{1,32}$",
        description="Id of the SM4/MAC key pair, bound into every seal (rotation)",
    )
    replay_window_s: int = Field(
        default=120, ge=5, le=3600,
        description="Sealed ID-card records older or newer than this (s) are refused; their "
        "nonces are remembered this long so none is accepted twice",
    )
    simulator_host: str = Field(default="127.0.0.1", description="kiosk-sim bind address")
    simulator_port: int = Field(default=8801, description="kiosk-sim port (§8.3)")

    @field_validator("sm4_key_hex")
    @classmethod
    def _sm4_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            if len(raw) != 32 or any(c not in "0123456789abcdefABCDEF" for c in raw):
                raise ValueError("sm4_key_hex must be 32 hexadecimal characters (16 bytes)")
            check_key(bytes.fromhex(raw), name="sm4_key_hex", min_bytes=16)
        return value

    @field_validator("mac_key_hex")
    @classmethod
    def _mac_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            if not 32 <= len(raw) <= 128 or len(raw) % 2 or any(
                c not in "0123456789abcdefABCDEF" for c in raw
            ):
                raise ValueError("mac_key_hex must be 32–128 hexadecimal characters")
            check_key(bytes.fromhex(raw), name="mac_key_hex", min_bytes=16)
        return value
