"""SM4 encryption and SM3 integrity of personal data in transit (GB/T 47483 §9.3.2).

A sealed payload is SM4-CBC (128-bit key, random 16-byte IV, PKCS#7 padding, GB/T 32907) of
UTF-8 JSON, with an HMAC-SM3 (GB/T 32905, RFC 2104 construction) under a separate MAC key.

- **Bound fields.** The MAC covers a versioned, length-prefixed encoding of the key id, the
  direction, a random 16-byte nonce, the issue time (Unix seconds), the IV and the
  ciphertext: changing any of them (pointing the payload at another key, replaying a form as
  a card) breaks the MAC. The MAC is checked, in constant time, before anything is decrypted.
- **Per-direction keys.** Card records (kiosk → service, :attr:`Direction.CARD`) and
  pre-filled forms (service → kiosk, :attr:`Direction.FORM`) are sealed under different
  SM4 and MAC keys, derived from the configured ones with HMAC-SM3 as the PRF of a
  counter-less NIST SP 800-108 KDF (label ``daoban-seal/v1/<use>/<direction>``).
- **Replays.** The receiver refuses a payload issued outside its window (±``window_s``) and
  one whose nonce it has seen (:class:`ReplayGuard`: in memory, or in Redis for all workers).
- **Weak keys.** All-zero, one repeated byte, a short repeated pattern, too few distinct
  bytes or a short key is refused when the :class:`Sealer` is built (:func:`check_key`).

Example:
    >>> sealer = Sealer(sm4_key=bytes.fromhex("0123456789abcdeffedcba9876543210"),
    ...                 mac_key=bytes(range(1, 33)))
    >>> envelope = sealer.seal(b'{"a": 1}', direction=Direction.CARD)
    >>> sealer.open(envelope, direction=Direction.CARD)
    b'{"a": 1}'
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import struct
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from cachetools import TTLCache
from gmssl import func, sm3
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4
from pydantic import BaseModel, ConfigDict, Field

from kiosk_bridge.errors import IdCardDecryptError, IdCardIntegrityError, IdCardReplayError

logger = logging.getLogger(__name__)

_BLOCK = 64  # SM3 block size (bytes)
_VERSION = b"daoban-seal/v1"


class WeakKeyError(ValueError):
    """A configured key is too short or has too little variety to be a real secret."""


class Direction(StrEnum):
    """Which way a payload travels; each direction has its own keys."""

    CARD = "card"  # ID-card record, kiosk reader → service
    FORM = "form"  # pre-filled form, service → kiosk


class SealedPayload(BaseModel):
    """An SM4-encrypted, HMAC-SM3-protected payload (the wire form of personal data).

    A record sent in clear instead is refused without its values in the error.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    ciphertext_base64: str = Field(max_length=65_536, description="SM4-CBC ciphertext, PKCS#7")
    iv_hex: str = Field(pattern=r"^[0-9a-f]{32}$", description="16-byte IV")
    mac_hex: str = Field(pattern=r"^[0-9a-f]{64}$",
                         description="HMAC-SM3 over key id, direction, nonce, time, IV, ciphertext")
    key_id: str = Field(default="default", pattern=r"^[A-Za-z0-9_.\-]{1,32}$",
                        description="Which key pair sealed it (bound into the MAC)")
    direction: Direction = Field(description="card (kiosk → service) or form (service → kiosk)")
    nonce_hex: str = Field(pattern=r"^[0-9a-f]{32}$", description="16 random bytes, used once")
    issued_at: int = Field(ge=0, le=2**40, description="Unix time of sealing (s)")


def sm3_digest(data: bytes) -> bytes:
    """SM3 hash (32 bytes)."""
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC with SM3 (RFC 2104 over a 64-byte block)."""
    if len(key) > _BLOCK:
        key = sm3_digest(key)
    key = key.ljust(_BLOCK, b"\0")
    inner = sm3_digest(bytes(b ^ 0x36 for b in key) + message)
    return sm3_digest(bytes(b ^ 0x5C for b in key) + inner)


def check_key(key: bytes, *, name: str, min_bytes: int) -> bytes:
    """Refuse a weak key.

    Args:
        key: The key bytes.
        name: Its setting name, for the message (the key itself is never shown).
        min_bytes: Shortest acceptable length.

    Returns:
        ``key`` unchanged.

    Raises:
        WeakKeyError: Shorter than ``min_bytes``; all zero; one byte repeated; a pattern of up
            to half its length repeated; or fewer than ``len // 4`` distinct bytes.
    """
    if len(key) < min_bytes:
        raise WeakKeyError(f"{name} must be at least {min_bytes} bytes")
    if len(set(key)) == 1:
        raise WeakKeyError(f"{name} is one byte repeated (all zero or similar): not a secret")
    for period in range(2, len(key) // 2 + 1):
        if len(key) % period == 0 and key == key[:period] * (len(key) // period):
            raise WeakKeyError(f"{name} repeats a {period}-byte pattern: not a secret")
    if len(set(key)) < max(4, len(key) // 4):
        raise WeakKeyError(f"{name} has too few distinct bytes: not a random secret")
    return key


class ReplayGuard(Protocol):
    """Remembers nonces for a while; ``first_use`` is True only the first time."""

    def first_use(self, nonce: str, ttl_s: int) -> bool:
        """Record ``nonce``; False when it was already recorded within ``ttl_s``."""
        ...


class MemoryReplayGuard:
    """Nonces remembered in this process (the one-process default)."""

    def __init__(self, maxsize: int = 100_000) -> None:
        """Remember at most ``maxsize`` nonces (oldest dropped first)."""
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=maxsize, ttl=3600)

    def first_use(self, nonce: str, ttl_s: int) -> bool:
        """Record ``nonce`` (the cache's TTL is the longest window, 1 h)."""
        del ttl_s
        if nonce in self._seen:
            return False
        self._seen[nonce] = True
        return True


class RedisReplayGuard:
    """Nonces remembered in Redis (``SET NX EX``): every worker of every node refuses a replay.

    Fails closed: when Redis does not answer, the payload is refused (the kiosk reads the
    card again).
    """

    def __init__(self, client: Any) -> None:
        """Use ``client`` (a ``redis.Redis``: the bridge passes the one its sessions use)."""
        self._redis = client

    @classmethod
    def from_url(cls, url: str) -> RedisReplayGuard:
        """Connect lazily to the Redis at ``url``."""
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0))

    def first_use(self, nonce: str, ttl_s: int) -> bool:
        """``SET daoban:seal:nonce:<nonce> 1 NX EX ttl_s``."""
        try:
            return bool(self._redis.set(f"daoban:seal:nonce:{nonce}", b"1", nx=True, ex=ttl_s))
        except Exception as exc:  # Redis down: refuse rather than accept a possible replay
            logger.warning("replay store unavailable", extra={"error": type(exc).__name__})
            return False


def _derive(key: bytes, use: str, direction: Direction, length: int) -> bytes:
    return hmac_sm3(key, _VERSION + b"/" + use.encode() + b"/" + direction.value.encode())[:length]


def _mac_input(key_id: str, direction: Direction, nonce: bytes, issued_at: int, iv: bytes,
               ciphertext: bytes) -> bytes:
    parts = [_VERSION, key_id.encode(), direction.value.encode(), nonce,
             struct.pack(">Q", issued_at), iv, ciphertext]
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


class Sealer:
    """Seals and opens payloads with one SM4 key and one MAC key (per-direction subkeys).

    Args:
        sm4_key: 16 bytes, not weak (:func:`check_key`).
        mac_key: 16–64 bytes, not weak.
        key_id: Written into and bound to sealed payloads (key rotation).
        window_s: Accepted distance between a payload's issue time and now (s).
        replay: Where seen nonces are kept (memory by default).
        clock: Unix time (injected so tests move it).

    Raises:
        WeakKeyError: A key is short or weak.
    """

    def __init__(self, *, sm4_key: bytes, mac_key: bytes, key_id: str = "default",
                 window_s: int = 120, replay: ReplayGuard | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if len(sm4_key) != 16:
            raise WeakKeyError("sm4_key must be 16 bytes (32 hex characters)")
        if len(mac_key) > 64:
            raise WeakKeyError("mac_key must be 16 to 64 bytes")
        check_key(sm4_key, name="sm4_key", min_bytes=16)
        check_key(mac_key, name="mac_key", min_bytes=16)
        self._keys = {
            d: (_derive(sm4_key, "enc", d, 16), _derive(mac_key, "mac", d, 32)) for d in Direction
        }
        self._key_id = key_id
        self._window_s = window_s
        self._replay: ReplayGuard = replay or MemoryReplayGuard()
        self._clock = clock

    def seal(self, plaintext: bytes, *, direction: Direction,
             iv: bytes | None = None) -> SealedPayload:
        """Encrypt and MAC ``plaintext`` for ``direction`` (fresh random IV and nonce)."""
        enc_key, mac_key = self._keys[direction]
        iv = iv if iv is not None else os.urandom(16)
        nonce = os.urandom(16)
        issued_at = int(self._clock())
        cipher = CryptSM4()
        cipher.set_key(enc_key, SM4_ENCRYPT)
        ciphertext = bytes(cipher.crypt_cbc(iv, plaintext))
        mac = hmac_sm3(mac_key, _mac_input(self._key_id, direction, nonce, issued_at, iv,
                                           ciphertext))
        return SealedPayload(
            ciphertext_base64=base64.b64encode(ciphertext).decode("ascii"),
            iv_hex=iv.hex(), mac_hex=mac.hex(), key_id=self._key_id, direction=direction,
            nonce_hex=nonce.hex(), issued_at=issued_at,
        )

    def open(self, payload: SealedPayload, *, direction: Direction) -> bytes:
        """Check key id, direction, MAC, time window and nonce; then decrypt.

        Raises:
            IdCardIntegrityError: Another key id or direction, or a MAC mismatch (altered
                data or wrong key).
            IdCardReplayError: Issued outside the window, or a nonce already used.
            IdCardDecryptError: Bad base64, length or padding.
        """
        if payload.key_id != self._key_id or payload.direction is not direction:
            raise IdCardIntegrityError()
        try:
            ciphertext = base64.b64decode(payload.ciphertext_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise IdCardDecryptError() from exc
        enc_key, mac_key = self._keys[direction]
        iv, nonce = bytes.fromhex(payload.iv_hex), bytes.fromhex(payload.nonce_hex)
        expected = hmac_sm3(mac_key, _mac_input(payload.key_id, direction, nonce,
                                                payload.issued_at, iv, ciphertext))
        if not hmac.compare_digest(expected, bytes.fromhex(payload.mac_hex)):
            raise IdCardIntegrityError()
        if abs(self._clock() - payload.issued_at) > self._window_s:
            raise IdCardReplayError()
        if not self._replay.first_use(f"{payload.key_id}:{payload.nonce_hex}",
                                      2 * self._window_s + 1):
            raise IdCardReplayError()
        if not ciphertext or len(ciphertext) % 16:
            raise IdCardDecryptError()
        cipher = CryptSM4()
        cipher.set_key(enc_key, SM4_DECRYPT)
        try:
            plaintext = bytes(cipher.crypt_cbc(iv, ciphertext))
        except (ValueError, IndexError) as exc:
            raise IdCardDecryptError() from exc
        if not plaintext and ciphertext:
            raise IdCardDecryptError()
        return plaintext
