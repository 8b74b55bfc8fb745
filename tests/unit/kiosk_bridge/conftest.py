from datetime import date

import httpx
import pytest

from kiosk_bridge.client import DeviceClient
from kiosk_bridge.sealing import Sealer
from kiosk_bridge.simulator import SimulatorState, create_simulator
from kiosk_bridge.testdata import synthetic_identities

TODAY = date(2026, 11, 21)


@pytest.fixture
def sealer():
    return Sealer(sm4_key=bytes.fromhex("0123456789abcdeffedcba9876543210"),
                  mac_key=bytes(range(1, 33)))


@pytest.fixture
def sim(sealer):
    return SimulatorState(sealer=sealer, identities=synthetic_identities())


@pytest.fixture
async def device(sim):
    client = DeviceClient("http://kiosk", transport=httpx.ASGITransport(create_simulator(sim)),
                          retries=1, backoff_ms=0)
    yield client
    await client.aclose()
