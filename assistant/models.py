"""Types of one assistant turn: what comes in, what the stages pass on, what goes out.

``Turn -> ScreenedQuery -> Intent -> list[Hit] -> Draft -> GuardedAnswer -> TurnResult``.
The response shape is the same for ``POST /v1/ask`` and ``daoban ask --json``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.digital_human import Script
from guardrails.models import AI_LABEL, ActRequest, RailVerdict, Source
from knowledge.models import Aspect


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IntentKind(StrEnum):
    """What the citizen wants from this turn (GB/T 47483 §7.6 a, d)."""

    ASK_MATTER = "ask_matter"
    GO_TO_MATTER = "go_to_matter"
    FILL_FORM = "fill_form"
    HELP = "help"
    CHITCHAT = "chitchat"
    OUT_OF_SCOPE = "out_of_scope"


class Turn(_Frozen):
    """One citizen utterance, typed or recognized from speech."""

    question: str = Field(min_length=1, max_length=500, description="Citizen's text")
    session_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_\-]{1,64}$",
        description="Kiosk session id, for follow-ups; no personal data",
    )
    kiosk_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    elderly: bool = Field(default=False, description="Elderly mode (§7.4): slower, simpler")
    lang: str = Field(default="zh", pattern=r"^(zh|en)$", description="UI language")
    with_script: bool = Field(
        default=False, description="Also return a digital-human script of the answer (§7.6 b)"
    )
    channel: Literal["keyboard", "voice"] = Field(
        default="keyboard",
        description="How the citizen asked: soft keyboard or recognized speech (statistics only)",
    )


class Intent(_Frozen):
    """The classified intent: kind, the aspect asked about, and a matter if named by route."""

    kind: IntentKind
    aspect: Aspect = Aspect.OVERVIEW
    aspect_explicit: bool = Field(default=False, description="The aspect was asked for")
    follow_up: bool = Field(default=False, description="Refers to the matter under discussion")


class Answer(_Frozen):
    """The answer the kiosk shows and speaks; ``label`` is always :data:`AI_LABEL`."""

    screen_text: str
    spoken_text: str
    label: str = AI_LABEL
    pace: Literal["standard", "elderly"] = Field(
        default="standard", description="Speak the answer slower in elderly mode (§7.4)"
    )
    lang: Literal["zh", "en"] = Field(default="zh", description="Language of the answer's lead")
    language_note: str | None = Field(
        default=None,
        description=(
            "English mode: says plainly that the content below is Chinese only; the same "
            "sentence is also inside screen_text, so a client showing it apart removes it there"
        ),
    )


class Route(_Frozen):
    """A one-click route into a matter (一键直达, §7.6 a), best first."""

    matter_code: str
    matter_name: str
    kiosk_route: str
    score: float
    english_name: str = Field(default="", description="The matter's English name, if it has one")


class KioskAction(_Frozen):
    """Something the kiosk should do next, e.g. pop up the soft keyboard (§8.4)."""

    action: str
    params: dict[str, str] = Field(default_factory=dict)


class TurnResult(_Frozen):
    """What one turn returns, over HTTP and on the command line."""

    intent: IntentKind
    aspect: Aspect | None = None
    refused: bool = False
    reason_code: str | None = None
    answer: Answer
    sources: list[Source] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    actions: list[KioskAction] = Field(default_factory=list)
    session_id: str | None = None
    verdicts: list[RailVerdict] = Field(default_factory=list)
    declined: list[ActRequest] = Field(
        default_factory=list,
        description="Requests that the kiosk act (authenticate, approve, ...) declined in this "
        "reply while the rest of the question was answered (§9.4.1 e)",
    )
    latency_ms: float = 0.0
    script: Script | None = Field(default=None, description="Digital-human script, if asked")
    answer_id: str | None = Field(
        default=None,
        description="Id of this answer for the citizen's helpful / not helpful tap "
        "(POST /v1/feedback); names no text and no session",
    )
