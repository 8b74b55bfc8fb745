"""HTTP interface of the kiosk bridge.

- ``POST /v1/prefill``: a matter code and the sealed ID-card record → the sealed pre-filled
  form (GB/T 47483 §7.6 c, §9.3.2). The matter's form fields come from a lookup the
  composition root provides (``request.state.form_fields``), so this package does not import
  the knowledge base.
- ``GET /v1/kiosk/schemas``: the device-interface JSON Schemas (§8.2).
- ``POST /v1/kiosk/{kiosk_id}/session`` starts a citizen's session (new citizen);
  ``POST /v1/kiosk/{kiosk_id}/session/end`` ends it (card removed, finished), on every worker.
- ``POST /v1/kiosk/{kiosk_id}/session/card``: the sealed card read into the live session →
  the sealed pre-filled form, which this worker keeps in memory for the session;
  ``GET /v1/kiosk/{kiosk_id}/session/form`` sends it again (409 ``kiosk.card_elsewhere``,
  请重新刷卡, on a worker that did not read the card: personal data never leaves the worker).

The session's non-personal state is shared through Redis when it is configured (see
:mod:`kiosk_bridge.session`), so start, status, touch and end may land on any worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from daoban.errors import DaobanError
from kiosk_bridge.auth import KioskIdentity
from kiosk_bridge.errors import SessionForbiddenError
from kiosk_bridge.prefill import FormFieldSpec, PrefillResponse
from kiosk_bridge.schemas import json_schemas
from kiosk_bridge.sealing import SealedPayload
from kiosk_bridge.service import KioskBridge
from kiosk_bridge.session import EndReason, KioskSession

router = APIRouter(prefix="/v1", tags=["kiosk"])

FormFieldsLookup = Callable[[str], Sequence[FormFieldSpec]]
"""Matter code → its form fields. Raises the knowledge package's not-found error."""

KioskId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]


async def get_bridge(request: Request) -> KioskBridge:
    """The kiosk bridge, from the lifespan state.

    ``async`` on purpose (as every dependency on the ``/v1/ask`` path): FastAPI runs a plain
    ``def`` dependency in its thread pool, a thread hop per request for a dictionary lookup.
    """
    bridge: KioskBridge = request.state.kiosk
    return bridge


async def get_form_fields(request: Request) -> FormFieldsLookup:
    """The form-field lookup, from the lifespan state."""
    lookup: FormFieldsLookup = request.state.form_fields
    return lookup


BridgeDep = Annotated[KioskBridge, Depends(get_bridge)]
FormFieldsDep = Annotated[FormFieldsLookup, Depends(get_form_fields)]


async def get_kiosk_identity(request: Request, bridge: BridgeDep) -> KioskIdentity:
    """The calling terminal (``X-Kiosk-Token``; see :mod:`kiosk_bridge.auth`).

    Checked on the event loop (no I/O); a failed credential is audited
    (``kiosk.auth.failed``) from a worker thread (:meth:`KioskBridge.identify_async`).

    Raises:
        KioskUnauthenticatedError: Wrong token, or anonymous where not allowed.
    """
    return await bridge.identify_async(request)


KioskIdentityDep = Annotated[KioskIdentity, Depends(get_kiosk_identity)]


def own_kiosk_id(kiosk_id: KioskId, who: KioskIdentityDep) -> str:
    """The path's kiosk id, when the caller may act for it.

    Raises:
        KioskForbiddenError: The credential belongs to another kiosk.
    """
    who.require(kiosk_id)
    return kiosk_id


OwnKioskId = Annotated[str, Depends(own_kiosk_id)]


@dataclass(frozen=True)
class OwnSession:
    """The path's kiosk id and its live session (None when there is none), read once."""

    kiosk_id: str
    session: KioskSession | None


def own_session(kiosk_id: OwnKioskId, who: KioskIdentityDep,
                bridge: Annotated[KioskBridge, Depends(get_bridge)]) -> OwnSession:
    """The path's kiosk and its live session, when the caller may act on that session.

    The live citizen session belongs to the credential that started it: an anonymous caller
    (where allowed) cannot read, touch, end or replace a session a credentialed kiosk started,
    nor the reverse. The shared record is read once per request (FastAPI caches this
    dependency), and the dialogue binding (:meth:`KioskBridge.bind_session`) is renewed only
    on requests that change the session, not on the page's status polls.

    Raises:
        KioskForbiddenError: The credential belongs to another kiosk.
        SessionForbiddenError: The live session was started by another caller.
        SessionStoreUnavailableError: The shared store does not answer (503).
    """
    session = bridge.sessions.peek(kiosk_id)
    if session is not None and session.owner != who.kiosk_id:
        raise SessionForbiddenError()
    return OwnSession(kiosk_id=kiosk_id, session=session)


OwnSessionDep = Annotated[OwnSession, Depends(own_session)]


def own_session_kiosk_id(own: OwnSessionDep, who: KioskIdentityDep,
                         bridge: Annotated[KioskBridge, Depends(get_bridge)]) -> str:
    """The path's kiosk id for a request that acts on its live session (see :func:`own_session`).

    The live session's dialogue stays bound to the caller.

    Raises:
        KioskForbiddenError: The credential belongs to another kiosk.
        SessionForbiddenError: The live session was started by another caller.
    """
    if own.session is not None:
        bridge.bind_session(own.session.session_id, who.kiosk_id)
    return own.kiosk_id


OwnSessionKioskId = Annotated[str, Depends(own_session_kiosk_id)]


class PrefillRequest(BaseModel):
    """The chosen matter and the card record as the reader sealed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9\-]{2,63}$")
    card: SealedPayload


class SessionStarted(BaseModel):
    """A new citizen's session."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    idle_timeout_s: int


class SessionEnd(BaseModel):
    """Why the session ends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: EndReason = EndReason.CARD_REMOVED


class SessionEnded(BaseModel):
    """Whether a session was live and ended."""

    model_config = ConfigDict(frozen=True)

    ended: bool


@router.post("/prefill", response_model=PrefillResponse)
async def prefill(body: PrefillRequest, bridge: BridgeDep,
                  form_fields: FormFieldsDep, who: KioskIdentityDep) -> PrefillResponse:
    """Pre-fill the matter's form from the sealed ID-card record; no card data is stored.

    Every attempt is audited (§9.3.3 b) with the calling kiosk, the matter and the outcome
    (``filled <n> of <m>`` or the error code), never a value; when the audit log cannot be
    written the pre-fill is refused (503 ``kiosk.audit_unavailable``).
    """
    try:
        prefiller = bridge.require_prefiller()
        fields = form_fields(body.matter_code)
        response = prefiller.prefill(body.matter_code, body.card, fields)
    except DaobanError as exc:
        bridge.record_prefill(who.kiosk_id, body.matter_code, exc.code)
        raise
    bridge.record_prefill(who.kiosk_id, body.matter_code,
                          f"filled {len(response.filled)} of {len(fields)}")
    return response


@router.get("/kiosk/schemas")
async def schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the device-interface messages (GB/T 47483 §8.2, §8.4)."""
    return json_schemas()


@router.post("/kiosk/{kiosk_id}/session", response_model=SessionStarted)
async def start_session(kiosk_id: OwnSessionKioskId, bridge: BridgeDep, who: KioskIdentityDep,
                        elderly: bool = False) -> SessionStarted:
    """A new citizen at the kiosk: the previous session, if any, ends first.

    The new session belongs to the caller's credential: another kiosk can neither read,
    continue nor end it (403 ``kiosk.forbidden`` / ``kiosk.session_forbidden``).
    """
    session = bridge.sessions.start(kiosk_id, elderly=elderly, owner=who.kiosk_id)
    bridge.bind_session(session.session_id, who.kiosk_id)
    return SessionStarted(session_id=session.session_id,
                          idle_timeout_s=bridge.settings.idle_timeout_s)


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


class SessionStatus(BaseModel):
    """Whether the kiosk has a live session, and which (the page clears itself when it ends).

    Non-personal state only: that a card was read, never what it holds.
    """

    model_config = ConfigDict(frozen=True)

    live: bool
    session_id: str | None = None
    idle_timeout_s: int
    started_at: datetime | None = None
    idle_deadline: datetime | None = Field(
        default=None, description="When the session ends unless touched (UTC)")
    card_read: bool = Field(default=False, description="An ID card was read in this session")
    form_here: bool = Field(
        default=False, description="This worker holds its pre-filled form (else: read again)")
    shared: bool = Field(
        default=False, description="Sessions shared by every worker (Redis), else one process")


@router.get("/kiosk/{kiosk_id}/session", response_model=SessionStatus)
async def session_status(own: OwnSessionDep, bridge: BridgeDep) -> SessionStatus:
    """The kiosk's live session, without touching it (polling does not keep it alive)."""
    session = own.session
    timeout = bridge.settings.idle_timeout_s
    if session is None:
        return SessionStatus(live=False, idle_timeout_s=timeout, shared=bridge.sessions.shared)
    return SessionStatus(live=True, session_id=session.session_id, idle_timeout_s=timeout,
                         started_at=_utc(session.started_at),
                         idle_deadline=_utc(session.last_active + timeout),
                         card_read=session.card_read, form_here=session.form is not None,
                         shared=bridge.sessions.shared)


class CardRead(BaseModel):
    """The chosen matter and the card record as the reader sealed it, for the live session."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9\-]{2,63}$")
    card: SealedPayload


@router.post("/kiosk/{kiosk_id}/session/card", response_model=PrefillResponse)
async def read_card(kiosk_id: OwnSessionKioskId, body: CardRead, bridge: BridgeDep,
                    form_fields: FormFieldsDep, who: KioskIdentityDep) -> PrefillResponse:
    """Pre-fill the matter's form from the card and keep the form for the live session.

    The form stays in this worker's memory until the session ends (anywhere); the shared
    session records only that a card was read. Audited like ``/v1/prefill``.

    Raises:
        SessionEndedError: No live session (409).
    """
    try:
        bridge.sessions.current(kiosk_id)
        prefiller = bridge.require_prefiller()
        fields = form_fields(body.matter_code)
        form = prefiller.fill(prefiller.open_card(body.card), body.matter_code, fields)
        bridge.sessions.hold_form(kiosk_id, form)
    except DaobanError as exc:
        bridge.record_prefill(who.kiosk_id, body.matter_code, exc.code)
        raise
    bridge.record_prefill(who.kiosk_id, body.matter_code,
                          f"card read into session: filled {len(form.fields)} of {len(fields)}")
    return prefiller.seal_form(form, fields)


@router.get("/kiosk/{kiosk_id}/session/form", response_model=PrefillResponse)
async def held_form(kiosk_id: OwnSessionKioskId, bridge: BridgeDep,
                    form_fields: FormFieldsDep, who: KioskIdentityDep) -> PrefillResponse:
    """The form pre-filled in the live session, sealed again (the page came back to it).

    Raises:
        SessionEndedError: No live session (409).
        CardElsewhereError: The card was read on another worker (409 ``kiosk.card_elsewhere``,
            请重新刷卡): the form never leaves the worker that read the card.
        CardNotReadError: No card was read in this session (409 ``kiosk.card_not_read``).
    """
    try:
        prefiller = bridge.require_prefiller()
        form = bridge.sessions.held_form(kiosk_id)
        fields = form_fields(form.matter_code)
    except DaobanError as exc:
        bridge.record_prefill(who.kiosk_id, "-", exc.code)
        raise
    bridge.record_prefill(who.kiosk_id, form.matter_code,
                          f"held form sent again: {len(form.fields)} fields")
    return prefiller.seal_form(form, fields)


@router.post("/kiosk/{kiosk_id}/session/touch", response_model=SessionEnded)
async def touch_session(kiosk_id: OwnSessionKioskId, bridge: BridgeDep) -> SessionEnded:
    """The citizen is active at the kiosk (tap, typing): restart the idle clock.

    ``ended`` is True when there was no live session to touch.
    """
    return SessionEnded(ended=not bridge.sessions.touch(kiosk_id))


@router.post("/kiosk/{kiosk_id}/session/end", response_model=SessionEnded)
async def end_session(kiosk_id: OwnSessionKioskId, body: SessionEnd,
                      bridge: BridgeDep) -> SessionEnded:
    """End the kiosk's session (ID card removed, finished): nothing carries over."""
    return SessionEnded(ended=bridge.sessions.end(kiosk_id, body.reason))
