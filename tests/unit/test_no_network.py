"""The unit-test network fence (tests/unit/conftest.py) is in force."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_other_hosts_are_blocked():
    with (pytest.warns(UserWarning, match="192.0.2.1"),
          pytest.raises(SocketConnectBlockedError), socket.socket() as sock):
        sock.connect(("192.0.2.1", 80))


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
