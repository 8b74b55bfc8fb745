"""Answer ids: what a citizen's "helpful / not helpful" tap refers to, with no state kept.

An answer id is ``<payload>.<mac>``: the payload (base64url JSON) names only the hour, the
kiosk, the matter code and the channel of the answer, plus a random nonce; the mac is
HMAC-SHA256 under a key shared by every worker through the database (``backoffice_keys``),
so any worker accepts an id another issued, and nobody can forge one for a matter that was
never answered. No question text, no session id (GB/T 47483 §9.4.1 d).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from assistant.stats.tables import BackofficeKeyRow
from daoban.errors import DaobanError

KEY_NAME = "answer_id"


class InvalidAnswerIdError(DaobanError):
    """The answer id is malformed, forged or too old for feedback."""

    code = "stats.invalid_answer_id"
    status = 422
    message_zh = "回答编号无效或已过期，无法记录评价"


@dataclass(frozen=True)
class AnswerClaims:
    """What an answer id says about its answer."""

    hour: datetime
    kiosk_id: str
    matter_code: str
    channel: str


def shared_key(session_factory: sessionmaker[Session], name: str = KEY_NAME) -> bytes:
    """The key ``name`` from ``backoffice_keys``, created once (first worker wins the race)."""
    candidate = secrets.token_hex(32)
    with session_factory.begin() as session:
        dialect = session.get_bind().dialect.name
        values = {"name": name, "secret": candidate, "created_at": datetime.now(UTC)}
        if dialect == "postgresql":
            session.execute(
                postgresql.insert(BackofficeKeyRow).values(**values).on_conflict_do_nothing()
            )
        elif dialect == "sqlite":
            session.execute(
                sqlite.insert(BackofficeKeyRow).values(**values).on_conflict_do_nothing()
            )
        elif session.get(BackofficeKeyRow, name) is None:
            session.add(BackofficeKeyRow(**values))
    with session_factory() as session:
        secret = session.scalar(
            select(BackofficeKeyRow.secret).where(BackofficeKeyRow.name == name)
        )
    return bytes.fromhex(secret or candidate)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AnswerIds:
    """Issue and verify answer ids (see the module docstring)."""

    def __init__(self, key: bytes, *, window_h: int = 24) -> None:
        """Sign with ``key``; ids older than ``window_h`` hours are refused."""
        self._key = key
        self._window = timedelta(hours=window_h)

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def issue(self, *, hour: datetime, kiosk_id: str, matter_code: str, channel: str) -> str:
        """A new answer id for an answer given in ``hour`` (UTC, truncated)."""
        body = {
            "h": int(hour.timestamp()),
            "k": kiosk_id,
            "m": matter_code,
            "c": channel,
            "n": secrets.token_hex(4),
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload)}"

    def verify(self, answer_id: str, *, now: datetime) -> AnswerClaims:
        """The claims of a genuine, recent answer id.

        Raises:
            InvalidAnswerIdError: malformed, bad signature, or older than the window.
        """
        if not answer_id.isascii():  # ids are base64url + hex: anything else is not one of ours
            raise InvalidAnswerIdError
        payload, _, mac = answer_id.partition(".")
        if not payload or not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise InvalidAnswerIdError
        try:
            body = json.loads(_unb64(payload))
            hour = datetime.fromtimestamp(int(body["h"]), UTC)
            claims = AnswerClaims(
                hour=hour, kiosk_id=str(body["k"]), matter_code=str(body["m"]),
                channel=str(body["c"]),
            )
        except (ValueError, KeyError, TypeError):
            raise InvalidAnswerIdError from None
        if now - hour > self._window + timedelta(hours=1) or hour - now > timedelta(hours=1):
            raise InvalidAnswerIdError
        return claims
