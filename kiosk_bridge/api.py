"""HTTP interface of the kiosk bridge.

- ``POST /v1/prefill``: a matter code and the sealed ID-card record → the sealed pre-filled
  form (GB/T 47483 §7.6 c, §9.3.2). The matter's form fields come from a lookup the
  composition root provides (``request.state.form_fields``), so this package does not import
  the knowledge base.
- ``GET /v1/kiosk/schemas``: the device-interface JSON Schemas (§8.2).
- ``POST /v1/kiosk/{kiosk_id}/session`` starts a citizen's session (new citizen);
  ``POST /v1/kiosk/{kiosk_id}/session/end`` ends it (card removed, finished).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from kiosk_bridge.auth import KioskIdentity, identify_kiosk
from kiosk_bridge.prefill import FormFieldSpec, PrefillResponse
from kiosk_bridge.schemas import json_schemas
from kiosk_bridge.sealing import SealedPayload
from kiosk_bridge.service import KioskBridge
from kiosk_bridge.session import EndReason

router = APIRouter(prefix="/v1", tags=["kiosk"])

FormFieldsLookup = Callable[[str], Sequence[FormFieldSpec]]
"""Matter code → its form fields. Raises the knowledge package's not-found error."""

KioskId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]


def get_bridge(request: Request) -> KioskBridge:
    """The kiosk bridge, from the lifespan state."""
    bridge: KioskBridge = request.state.kiosk
    return bridge


def get_form_fields(request: Request) -> FormFieldsLookup:
    """The form-field lookup, from the lifespan state."""
    lookup: FormFieldsLookup = request.state.form_fields
    return lookup


BridgeDep = Annotated[KioskBridge, Depends(get_bridge)]
FormFieldsDep = Annotated[FormFieldsLookup, Depends(get_form_fields)]


def get_kiosk_identity(request: Request, bridge: BridgeDep) -> KioskIdentity:
    """The calling terminal (``X-Kiosk-Token``; see :mod:`kiosk_bridge.auth`).

    Raises:
        KioskUnauthenticatedError: Wrong token, or anonymous where not allowed.
    """
    return identify_kiosk(request, bridge.settings)


KioskIdentityDep = Annotated[KioskIdentity, Depends(get_kiosk_identity)]


def own_kiosk_id(kiosk_id: KioskId, who: KioskIdentityDep) -> str:
    """The path's kiosk id, when the caller may act for it.

    Raises:
        KioskForbiddenError: The credential belongs to another kiosk.
    """
    who.require(kiosk_id)
    return kiosk_id


OwnKioskId = Annotated[str, Depends(own_kiosk_id)]


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
                  form_fields: FormFieldsDep, _who: KioskIdentityDep) -> PrefillResponse:
    """Pre-fill the matter's form from the sealed ID-card record; nothing is stored."""
    prefiller = bridge.require_prefiller()
    return prefiller.prefill(body.matter_code, body.card, form_fields(body.matter_code))


@router.get("/kiosk/schemas")
async def schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the device-interface messages (GB/T 47483 §8.2, §8.4)."""
    return json_schemas()


@router.post("/kiosk/{kiosk_id}/session", response_model=SessionStarted)
async def start_session(kiosk_id: OwnKioskId, bridge: BridgeDep,
                        elderly: bool = False) -> SessionStarted:
    """A new citizen at the kiosk: the previous session, if any, ends first."""
    session = bridge.sessions.start(kiosk_id, elderly=elderly)
    return SessionStarted(session_id=session.session_id,
                          idle_timeout_s=bridge.settings.idle_timeout_s)


class SessionStatus(BaseModel):
    """Whether the kiosk has a live session, and which (the page clears itself when it ends)."""

    model_config = ConfigDict(frozen=True)

    live: bool
    session_id: str | None = None
    idle_timeout_s: int


@router.get("/kiosk/{kiosk_id}/session", response_model=SessionStatus)
async def session_status(kiosk_id: OwnKioskId, bridge: BridgeDep) -> SessionStatus:
    """The kiosk's live session, without touching it (polling does not keep it alive)."""
    session = bridge.sessions.peek(kiosk_id)
    return SessionStatus(live=session is not None,
                         session_id=session.session_id if session else None,
                         idle_timeout_s=bridge.settings.idle_timeout_s)


@router.post("/kiosk/{kiosk_id}/session/touch", response_model=SessionEnded)
async def touch_session(kiosk_id: OwnKioskId, bridge: BridgeDep) -> SessionEnded:
    """The citizen is active at the kiosk (tap, typing): restart the idle clock.

    ``ended`` is True when there was no live session to touch.
    """
    return SessionEnded(ended=not bridge.sessions.touch(kiosk_id))


@router.post("/kiosk/{kiosk_id}/session/end", response_model=SessionEnded)
async def end_session(kiosk_id: OwnKioskId, body: SessionEnd, bridge: BridgeDep) -> SessionEnded:
    """End the kiosk's session (ID card removed, finished): nothing carries over."""
    return SessionEnded(ended=bridge.sessions.end(kiosk_id, body.reason))
