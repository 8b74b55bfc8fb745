"""What one turn counts as (GB/T 47483 §10.1): outcome, reason, matter, channel — codes only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.models import Answer, IntentKind, TurnResult
from assistant.stats.recorder import InputChannel, UsageEventKind, events_of, hour_of
from guardrails.models import Decision, RailVerdict, Source

AT = datetime(2026, 11, 27, 9, 41, 7, tzinfo=UTC)


def result(**fields: object) -> TurnResult:
    base: dict[str, object] = {
        "intent": IntentKind.ASK_MATTER,
        "answer": Answer(screen_text="…", spoken_text="…"),
    }
    return TurnResult.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("fields", "kind", "reason", "matter"),
    [
        (
            {"sources": [Source(matter_code="HJ-0004", matter_name="补领", section="materials")]},
            UsageEventKind.ANSWER,
            "",
            "HJ-0004",
        ),
        (
            {"refused": True, "reason_code": "safety.political", "intent": "out_of_scope"},
            UsageEventKind.REFUSAL,
            "safety.political",
            "",
        ),
        ({"reason_code": "not_found"}, UsageEventKind.ABSTAIN, "not_found", ""),
        ({"reason_code": "clarify"}, UsageEventKind.CLARIFY, "clarify", ""),
        ({"intent": "help", "reason_code": "help"}, UsageEventKind.SYSTEM, "help", ""),
        ({"intent": "chitchat"}, UsageEventKind.SYSTEM, "chitchat", ""),
    ],
)
def test_turn_outcomes(
    fields: dict[str, object], kind: UsageEventKind, reason: str, matter: str
) -> None:
    (event,) = events_of(result(**fields), kiosk_id="K1", channel=InputChannel.VOICE, at=AT)
    assert (event.kind, event.reason, event.matter_code) == (kind, reason, matter)
    assert event.hour == datetime(2026, 11, 27, 9, tzinfo=UTC) == hour_of(AT)
    assert (event.kiosk_id, event.channel) == ("K1", "voice")


def test_flagged_answer_counts_once_per_reason() -> None:
    flag = RailVerdict(
        stage="output", rail="grounding", decision=Decision.FLAG, reason_code="output.ungrounded"
    )
    events = events_of(
        result(
            sources=[Source(matter_code="HJ-0001", matter_name="x", section="overview")],
            verdicts=[flag, flag],
        ),
        kiosk_id=None,
        channel=InputChannel.KEYBOARD,
        at=AT,
    )
    assert [(e.kind, e.reason, e.kiosk_id) for e in events] == [
        (UsageEventKind.ANSWER, "", ""),
        (UsageEventKind.FLAGGED, "output.ungrounded", ""),
    ]
