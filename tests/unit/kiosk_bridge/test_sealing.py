"""The pre-fill seal (§9.3.2): key id bound in the MAC, replay window, per-direction keys,
weak keys refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kiosk_bridge.errors import IdCardIntegrityError, IdCardReplayError
from kiosk_bridge.sealing import (
    Direction,
    MemoryReplayGuard,
    RedisReplayGuard,
    Sealer,
    WeakKeyError,
)
from kiosk_bridge.settings import KioskBridgeSettings

SM4 = bytes.fromhex("0123456789abcdeffedcba9876543210")
MAC = bytes(range(1, 33))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make(clock=None, **kw):
    return Sealer(sm4_key=SM4, mac_key=MAC, clock=clock or Clock(), **kw)


def test_round_trip_and_each_payload_opens_once():
    sealer = make()
    sealed = sealer.seal(b"hello", direction=Direction.CARD)
    assert sealer.open(sealed, direction=Direction.CARD) == b"hello"
    with pytest.raises(IdCardReplayError):
        sealer.open(sealed, direction=Direction.CARD)
    assert sealed.nonce_hex != sealer.seal(b"hello", direction=Direction.CARD).nonce_hex


def test_key_id_is_bound_into_the_mac():
    sealed = make(key_id="k2026").seal(b"x", direction=Direction.CARD)
    relabelled = sealed.model_copy(update={"key_id": "k2025"})
    # a receiver holding the same keys under id k2025 refuses it: the MAC covers the key id
    with pytest.raises(IdCardIntegrityError):
        make(key_id="k2025").open(relabelled, direction=Direction.CARD)
    with pytest.raises(IdCardIntegrityError):
        make(key_id="k2025").open(sealed, direction=Direction.CARD)


def test_directions_have_their_own_keys():
    sealer = make()
    form = sealer.seal(b"form", direction=Direction.FORM)
    with pytest.raises(IdCardIntegrityError):
        sealer.open(form, direction=Direction.CARD)
    with pytest.raises(IdCardIntegrityError):  # relabelling the direction breaks the MAC
        sealer.open(form.model_copy(update={"direction": Direction.CARD}),
                    direction=Direction.CARD)
    card = sealer.seal(b"form", direction=Direction.CARD)
    assert card.ciphertext_base64 != form.ciphertext_base64 or card.iv_hex != form.iv_hex


def test_time_window_and_tampered_time():
    clock = Clock()
    sealer = make(clock, window_s=60)
    sealed = sealer.seal(b"x", direction=Direction.CARD)
    clock.now += 61
    with pytest.raises(IdCardReplayError):
        sealer.open(sealed, direction=Direction.CARD)
    with pytest.raises(IdCardIntegrityError):  # moving the time forward breaks the MAC
        sealer.open(sealed.model_copy(update={"issued_at": int(clock.now)}),
                    direction=Direction.CARD)
    early = make(Clock(), window_s=60).seal(b"y", direction=Direction.CARD)
    clock.now = early.issued_at - 61
    with pytest.raises(IdCardReplayError):
        sealer.open(early, direction=Direction.CARD)


@pytest.mark.parametrize("sm4, mac", [
    (bytes(16), MAC),  # all zero
    (b"\x11" * 16, MAC),  # one byte repeated
    (b"ab" * 8, MAC),  # a repeated pattern
    (SM4, b"k" * 32),
    (SM4, bytes(range(8))),  # too short
    (SM4, b"\x01\x02\x03" * 6),
    (bytes(8), MAC),
])
def test_weak_keys_are_refused(sm4, mac):
    with pytest.raises(WeakKeyError):
        Sealer(sm4_key=sm4, mac_key=mac)


def test_settings_refuse_weak_keys_without_echoing_them():
    with pytest.raises(ValidationError) as exc:
        KioskBridgeSettings(sm4_key_hex="00" * 16, mac_key_hex=MAC.hex())
    assert "00" * 16 not in str(exc.value)
    with pytest.raises(ValidationError):
        KioskBridgeSettings(sm4_key_hex=SM4.hex(), mac_key_hex="6b" * 32)
    assert KioskBridgeSettings(sm4_key_hex=SM4.hex(), mac_key_hex=MAC.hex()).mac_key_hex


def test_memory_guard_remembers_nonces():
    guard = MemoryReplayGuard()
    assert guard.first_use("n1", 10) and not guard.first_use("n1", 10) and guard.first_use("n2", 10)


def test_redis_guard_is_shared_and_fails_closed():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except Exception:
        pytest.skip("Redis not reachable")
    url = "redis://127.0.0.1:6379/0"
    first = make(replay=RedisReplayGuard.from_url(url))
    second = make(replay=RedisReplayGuard.from_url(url))
    sealed = first.seal(b"x", direction=Direction.CARD)
    assert second.open(sealed, direction=Direction.CARD) == b"x"
    with pytest.raises(IdCardReplayError):  # another worker refuses the replay
        first.open(sealed, direction=Direction.CARD)
    assert RedisReplayGuard.from_url("redis://127.0.0.1:1/0").first_use("n", 5) is False
