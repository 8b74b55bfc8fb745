"""The Redis client the shared stores use, and whether it answers.

One place for how daoban connects to Redis (lazily, with short timeouts so a Redis outage
costs a turn half a second, not a hang) and for the health probe's ``PING``. ``redis`` is
imported only when a store is configured with a URL.
"""

from __future__ import annotations

from typing import Any

TIMEOUT_S = 0.5
"""Socket and connect timeout (s) of the shared stores' client."""


def connect(url: str, *, timeout_s: float = TIMEOUT_S) -> Any:
    """A ``redis.Redis`` for ``url`` (``redis://host:port/db``); no connection is opened yet.

    ``timeout_s`` bounds both the connect and each call. Raises ``ValueError`` for a URL
    ``redis`` cannot parse.
    """
    import redis

    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)


def answers(client: Any) -> bool:
    """Whether ``client``'s Redis answers ``PING`` now (False on any error; raises nothing)."""
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - redis raises many kinds
        return False
