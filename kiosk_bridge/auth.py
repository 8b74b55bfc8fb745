"""Which terminal calls: per-kiosk credentials (GB/T 47483 §9.2.2 b).

A kiosk sends ``X-Kiosk-Token``; :func:`identify_kiosk` matches it in constant time against
``settings.kiosk.credentials``. Without a credential the call is anonymous, allowed only as
``settings.kiosk.anonymous`` says: from loopback (the embedded default: the kiosk page on the
same machine), from anywhere, or never. An identified kiosk may act only on its own id:
kiosk A cannot end kiosk B's citizen session.

The client address is the one the protection middleware resolved (``X-Forwarded-For`` from a
trusted proxy) when present, else the socket peer.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from kiosk_bridge.errors import KioskForbiddenError, KioskUnauthenticatedError
from kiosk_bridge.settings import AnonymousKiosks, KioskBridgeSettings

KIOSK_TOKEN_HEADER = "x-kiosk-token"


@dataclass(frozen=True)
class KioskIdentity:
    """The calling terminal: its id when it presented a credential, ``None`` when anonymous."""

    kiosk_id: str | None

    @property
    def anonymous(self) -> bool:
        """Whether the call carried no credential."""
        return self.kiosk_id is None

    def require(self, kiosk_id: str | None) -> None:
        """Check the caller may act for ``kiosk_id``.

        Raises:
            KioskForbiddenError: An identified kiosk names another kiosk.
        """
        if self.kiosk_id is not None and kiosk_id is not None and kiosk_id != self.kiosk_id:
            raise KioskForbiddenError()


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def client_address(connection: HTTPConnection) -> str:
    """The caller's address (as resolved by the protection middleware when it ran)."""
    resolved = connection.scope.get("state", {}).get("client_address")
    if isinstance(resolved, str):
        return resolved
    return connection.client.host if connection.client else ""


def identify_kiosk(connection: HTTPConnection, settings: KioskBridgeSettings) -> KioskIdentity:
    """The calling kiosk.

    Raises:
        KioskUnauthenticatedError: A wrong token, or no token where anonymous calls are not
            allowed (``anonymous=deny``, or ``loopback`` and the caller is not on loopback).
    """
    token = connection.headers.get(KIOSK_TOKEN_HEADER, "").strip()
    if token:
        presented = token.encode()
        for credential in settings.credentials:
            if hmac.compare_digest(credential.token.get_secret_value().encode(), presented):
                return KioskIdentity(credential.kiosk_id)
        raise KioskUnauthenticatedError("unknown token")
    match settings.anonymous:
        case AnonymousKiosks.ALLOW:
            return KioskIdentity(None)
        case AnonymousKiosks.LOOPBACK if _is_loopback(client_address(connection)):
            return KioskIdentity(None)
        case _:
            raise KioskUnauthenticatedError("anonymous refused")


def credentials_status(settings: KioskBridgeSettings) -> tuple[bool, str]:
    """(configured, detail) for ``/health``."""
    count = len(settings.credentials)
    anonymous = {
        AnonymousKiosks.LOOPBACK: "anonymous kiosk calls from loopback only",
        AnonymousKiosks.ALLOW: "anonymous kiosk calls allowed from anywhere",
        AnonymousKiosks.DENY: "anonymous kiosk calls refused",
    }[settings.anonymous]
    if count == 0:
        return False, f"no kiosk credentials configured (DAOBAN_KIOSK__CREDENTIALS); {anonymous}"
    return True, f"{count} kiosk credentials; {anonymous}"
