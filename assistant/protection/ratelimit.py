"""Rate limits over the ``limits`` library (GB/T 47483 §9.2.2 b).

Counters live in Redis when ``DAOBAN_REDIS_URL`` is set — every worker of every node shares
them — and in process memory otherwise (the one-process default). A Redis outage does not
take the service down: the gate lets requests through and says so in its status and logs.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from assistant.protection.settings import ProtectionSettings

logger = logging.getLogger(__name__)


class Caller(StrEnum):
    """Whose budget a request spends."""

    KIOSK = "kiosk"
    TOKEN = "token"
    ADDRESS = "address"


@dataclass(frozen=True)
class Verdict:
    """The gate's answer for one request: allowed, and seconds until the window frees up."""

    allowed: bool
    retry_after_s: int = 0


def fingerprint(secret: str) -> str:
    """A short SHA-256 fingerprint of a credential, so counters never hold the credential."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:24]


class RateGate:
    """Moving-window limits per kiosk, per token, per address and for failed logins.

    Args:
        settings: The rates.
        redis_url: ``redis://…`` for shared counters; ``None`` for process memory.
    """

    def __init__(self, settings: ProtectionSettings, redis_url: str | None = None) -> None:
        storage = storage_from_string(redis_url or "memory://")
        if not isinstance(storage, Storage):  # an async+ scheme was given
            raise ValueError("rate limits need a synchronous storage URL (redis:// or memory://)")
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._rates: dict[Caller, RateLimitItem] = {
            Caller.KIOSK: parse(settings.kiosk_rate),
            Caller.TOKEN: parse(settings.token_rate),
            Caller.ADDRESS: parse(settings.address_rate),
        }
        self._failed = parse(settings.failed_auth_rate)
        self.backend = "redis" if redis_url else "memory"
        self.degraded = False

    def _guard(self, action: str, call: Callable[[], bool]) -> bool:
        try:
            result = bool(call())
        except Exception as exc:  # the store is down: fail open, loudly
            if not self.degraded:
                logger.warning("rate-limit store unavailable, not limiting",
                               extra={"action": action, "error": type(exc).__name__})
            self.degraded = True
            return True
        self.degraded = False
        return result

    def hit(self, caller: Caller, key: str) -> Verdict:
        """Spend one request of ``key``'s budget; ``allowed`` False once it is used up."""
        item = self._rates[caller]
        allowed = self._guard("hit", lambda: self._limiter.hit(item, caller.value, key))
        if allowed:
            return Verdict(True)
        return Verdict(False, self._retry_after(item, caller.value, key))

    def failed_login(self, address: str) -> None:
        """Count one failed credential attempt from ``address``."""
        self._guard("failed", lambda: self._limiter.hit(self._failed, "auth-failed", address))

    def locked_out(self, address: str) -> Verdict:
        """Whether ``address`` has used up its failed attempts (without counting one)."""
        ok = self._guard("test", lambda: self._limiter.test(self._failed, "auth-failed", address))
        if ok:
            return Verdict(True)
        return Verdict(False, self._retry_after(self._failed, "auth-failed", address))

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        try:
            stats = self._limiter.get_window_stats(item, *identifiers)
        except Exception:  # the store went away between two calls
            return item.get_expiry()
        return max(1, int(stats.reset_time - time.time()) + 1)

    def status(self) -> dict[str, object]:
        """For ``/health``: the counter store and whether it answers."""
        return {"backend": self.backend, "degraded": self.degraded}
