"""Unit tests touch no network (pytest-socket): connections only to loopback.

Unit tests run in process (ASGI transports, fakes of third-party services); a unit test
that reached out to another host would be an integration test in disguise. Loopback stays
open because asyncio's own wake-up pipe and local test servers use it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_socket import enable_socket, socket_allow_hosts


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)
    yield
    enable_socket()
