"""SM4 encryption and SM3 integrity of personal data in transit (GB/T 47483 §9.3.2).

A sealed payload is SM4-CBC (128-bit key, random 16-byte IV, PKCS#7 padding, GB/T 32907) of
UTF-8 JSON, with an HMAC-SM3 (GB/T 32905, RFC 2104 construction) over ``iv ‖ ciphertext``
under a separate 128/256-bit MAC key. The MAC is checked, in constant time, before anything
is decrypted.

Example:
    >>> sealer = Sealer(sm4_key=bytes(16), mac_key=bytes(32))
    >>> envelope = sealer.seal(b'{"a": 1}')
    >>> sealer.open(envelope)
    b'{"a": 1}'
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os

from gmssl import func, sm3
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4
from pydantic import BaseModel, ConfigDict, Field

from kiosk_bridge.errors import IdCardDecryptError, IdCardIntegrityError

_BLOCK = 64  # SM3 block size (bytes)


class SealedPayload(BaseModel):
    """An SM4-encrypted, HMAC-SM3-protected payload (the wire form of personal data).

    A record sent in clear instead is refused without its values in the error.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    ciphertext_base64: str = Field(description="SM4-CBC ciphertext, PKCS#7 padded")
    iv_hex: str = Field(pattern=r"^[0-9a-f]{32}$", description="16-byte IV")
    mac_hex: str = Field(pattern=r"^[0-9a-f]{64}$", description="HMAC-SM3 over iv‖ciphertext")
    key_id: str = Field(default="default", max_length=32)


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


class Sealer:
    """Seals and opens payloads with one SM4 key and one MAC key.

    Args:
        sm4_key: 16 bytes.
        mac_key: 16–64 bytes.
        key_id: Written into sealed payloads (key rotation).
    """

    def __init__(self, *, sm4_key: bytes, mac_key: bytes, key_id: str = "default") -> None:
        if len(sm4_key) != 16:
            raise ValueError("sm4_key must be 16 bytes (32 hex characters)")
        if not 16 <= len(mac_key) <= 64:
            raise ValueError("mac_key must be 16 to 64 bytes")
        self._sm4_key = sm4_key
        self._mac_key = mac_key
        self._key_id = key_id

    def seal(self, plaintext: bytes, *, iv: bytes | None = None) -> SealedPayload:
        """Encrypt and MAC ``plaintext`` (a fresh random IV unless given)."""
        iv = iv if iv is not None else os.urandom(16)
        cipher = CryptSM4()
        cipher.set_key(self._sm4_key, SM4_ENCRYPT)
        ciphertext = bytes(cipher.crypt_cbc(iv, plaintext))
        return SealedPayload(
            ciphertext_base64=base64.b64encode(ciphertext).decode("ascii"),
            iv_hex=iv.hex(),
            mac_hex=hmac_sm3(self._mac_key, iv + ciphertext).hex(),
            key_id=self._key_id,
        )

    def open(self, payload: SealedPayload) -> bytes:
        """Check the MAC, then decrypt.

        Raises:
            IdCardIntegrityError: MAC mismatch (altered data or wrong key).
            IdCardDecryptError: Bad base64, length or padding.
        """
        try:
            ciphertext = base64.b64decode(payload.ciphertext_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise IdCardDecryptError() from exc
        iv = bytes.fromhex(payload.iv_hex)
        expected = hmac_sm3(self._mac_key, iv + ciphertext)
        if not hmac.compare_digest(expected, bytes.fromhex(payload.mac_hex)):
            raise IdCardIntegrityError()
        if not ciphertext or len(ciphertext) % 16:
            raise IdCardDecryptError()
        cipher = CryptSM4()
        cipher.set_key(self._sm4_key, SM4_DECRYPT)
        try:
            plaintext = bytes(cipher.crypt_cbc(iv, ciphertext))
        except (ValueError, IndexError) as exc:
            raise IdCardDecryptError() from exc
        if not plaintext and ciphertext:
            raise IdCardDecryptError()
        return plaintext
