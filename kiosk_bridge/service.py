"""The kiosk bridge's services, built once by the composition root.

:func:`build` makes the device client, the session manager and — when SM4/SM3 keys are
configured — the pre-filler. Pre-fill without keys is reported off, not faked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import HTTPConnection

from daoban.routes import route_label
from kiosk_bridge.auth import KioskIdentity, identify_kiosk
from kiosk_bridge.client import DeviceClient
from kiosk_bridge.errors import (
    AuditUnavailableError,
    KioskUnauthenticatedError,
    PrefillUnavailableError,
)
from kiosk_bridge.prefill import Prefiller
from kiosk_bridge.sealing import MemoryReplayGuard, RedisReplayGuard, Sealer
from kiosk_bridge.session import RedisSessionBackend, SessionManager
from kiosk_bridge.settings import KioskBridgeSettings

logger = logging.getLogger(__name__)

SessionClaim = Callable[[str, str | None], None]
"""(session id, calling kiosk id or None when anonymous) → binds the session to the caller,
or raises :class:`~kiosk_bridge.errors.SessionForbiddenError` when another one owns it."""

FailedAuthAudit = Callable[[str, str], None]
"""(route, e.g. ``POST /v1/ask`` as its path template, reason) → a failed kiosk credential
recorded in the audit log. Never the presented token."""

PrefillAudit = Callable[[str | None, str, str], None]
"""(calling kiosk id or None when anonymous, matter code, outcome) → recorded in the audit
log. The outcome is ``filled <n> of <m>`` or an error code: never a field's value."""


def sealer_from(settings: KioskBridgeSettings, redis_client: Any = None) -> Sealer | None:
    """The SM4/HMAC-SM3 sealer from the configured keys, or None when a key is missing.

    Seen nonces are kept in Redis when ``redis_client`` (a ``redis.Redis``) is given (a replay
    refused by every worker), in this process otherwise.
    """
    if settings.sm4_key_hex is None or settings.mac_key_hex is None:
        return None
    replay = RedisReplayGuard(redis_client) if redis_client is not None else MemoryReplayGuard()
    return Sealer(sm4_key=bytes.fromhex(settings.sm4_key_hex.get_secret_value()),
                  mac_key=bytes.fromhex(settings.mac_key_hex.get_secret_value()),
                  key_id=settings.seal_key_id, window_s=settings.replay_window_s,
                  replay=replay)


@dataclass
class KioskBridge:
    """Device client, sessions and pre-fill of one daoban process."""

    settings: KioskBridgeSettings
    client: DeviceClient
    sessions: SessionManager
    prefiller: Prefiller | None
    prefill_audit: PrefillAudit | None = field(default=None)
    """Set by the composition root (the guardrails audit log); None records nothing."""
    claim_session: SessionClaim | None = field(default=None)
    """Set by the composition root (the dialogue store's owner binding); None checks nothing."""
    failed_auth_audit: FailedAuthAudit | None = field(default=None)
    """Set by the composition root (the guardrails audit log); None records nothing."""

    def identify(self, connection: HTTPConnection) -> KioskIdentity:
        """The calling terminal (see :func:`kiosk_bridge.auth.identify_kiosk`).

        A failed credential is recorded in the audit log (``kiosk.auth.failed``, §9.2.2 b,
        §9.3.3 b) with the route and the reason, before the 401; when the audit log is down
        the caller still gets its 401 and the failure is logged.

        Raises:
            KioskUnauthenticatedError: Wrong token, or anonymous where not allowed.
        """
        try:
            return identify_kiosk(connection, self.settings)
        except KioskUnauthenticatedError as exc:
            self._audit_failure(route_label(connection), exc.reason)
            raise

    async def identify_async(self, connection: HTTPConnection) -> KioskIdentity:
        """:meth:`identify` for a caller on the event loop (the HTTP dependency).

        A known token or an allowed anonymous call is answered on the loop: a constant-time
        comparison, no I/O, so no thread-pool hop per request. Only a failed credential goes
        to a worker thread, for its audit-log write (``kiosk.auth.failed``).

        Raises:
            KioskUnauthenticatedError: Wrong token, or anonymous where not allowed.
        """
        try:
            return identify_kiosk(connection, self.settings)
        except KioskUnauthenticatedError as exc:
            await asyncio.to_thread(self._audit_failure, route_label(connection), exc.reason)
            raise

    def _audit_failure(self, route: str, reason: str) -> None:
        """Record a failed credential; an audit log that is down is logged, never raised."""
        if self.failed_auth_audit is None:
            return
        try:
            self.failed_auth_audit(route, reason)
        except Exception as audit_error:  # noqa: BLE001 - the 401 goes out regardless
            logger.error("failed kiosk credential not audited",
                         extra={"error": type(audit_error).__name__})  # fmt: skip

    def bind_session(self, session_id: str, kiosk_id: str | None) -> None:
        """Bind ``session_id`` to the calling kiosk, or check it is bound to it.

        Raises:
            SessionForbiddenError: Another terminal started it (403).
        """
        if self.claim_session is not None:
            self.claim_session(session_id, kiosk_id)

    def record_prefill(self, kiosk_id: str | None, matter_code: str, outcome: str) -> None:
        """Audit one pre-fill operation (GB/T 47483 §9.3.3 b): kiosk, matter, outcome.

        Raises:
            AuditUnavailableError: The audit log could not be written (503): the pre-fill
                is refused rather than done unrecorded.
        """
        if self.prefill_audit is None:
            return
        try:
            self.prefill_audit(kiosk_id, matter_code, outcome)
        except Exception as exc:
            logger.error("pre-fill audit failed", extra={"error": type(exc).__name__})
            raise AuditUnavailableError() from None

    def require_prefiller(self) -> Prefiller:
        """The pre-filler.

        Raises:
            PrefillUnavailableError: No keys configured.
        """
        if self.prefiller is None:
            raise PrefillUnavailableError()
        return self.prefiller

    def prefill_status(self) -> tuple[bool, str]:
        """(available, detail) for ``/health``."""
        if self.prefiller is None:
            return False, "no SM4/SM3 keys configured (DAOBAN_KIOSK__SM4_KEY_HEX, MAC_KEY_HEX)"
        return True, (f"SM4-CBC + HMAC-SM3, per-direction keys, key id "
                      f"{self.settings.seal_key_id}, "
                      f"replay window {self.settings.replay_window_s} s")

    async def aclose(self) -> None:
        """Close the device client and the session store's subscription."""
        self.sessions.close()
        await self.client.aclose()


def build(settings: KioskBridgeSettings, *,
          transport: httpx.AsyncBaseTransport | None = None,
          redis_url: str | None = None, redis_client: Any = None,
          session_ttl_s: int = 300) -> KioskBridge:
    """Build the bridge (cheap: no connection is opened until the first device call).

    Citizen sessions are shared through Redis when ``redis_client`` (a ``redis.Redis``, the
    composition root passes the dialogue store's) or ``redis_url`` is given, each record
    living ``session_ttl_s`` seconds (at least the idle timeout plus 30 s) after its last
    touch; in this process's memory otherwise (one worker).
    """
    backend: RedisSessionBackend | None = None
    ttl_s = max(session_ttl_s, settings.idle_timeout_s + 30)
    if redis_client is not None:
        backend = RedisSessionBackend(redis_client, ttl_s=ttl_s)
    elif redis_url:
        backend = RedisSessionBackend.from_url(redis_url, ttl_s=ttl_s)
    # One Redis client for the sessions and the seal's replay guard.
    sealer = sealer_from(settings, backend.client if backend is not None else None)
    return KioskBridge(
        settings=settings,
        client=DeviceClient(settings.device_url, transport=transport,
                            timeout_ms=settings.timeout_ms, retries=settings.retries,
                            backoff_ms=settings.retry_backoff_ms),
        sessions=SessionManager(idle_timeout_s=settings.idle_timeout_s, backend=backend),
        prefiller=Prefiller(sealer) if sealer else None,
    )
