"""Follow-up evaluation: does a second turn stay on the matter under discussion, or move on?

Each case is a two-turn dialogue in one session (``evals/data/follow_ups_*.jsonl``): a first
question that opens a matter, then either an elaboration of that matter ("那要多久", "要带出生
证明吗", "能在自助机上办吗": ``expect = "stay"``) or a genuine topic switch ("那护照怎么办",
"那离婚登记收费吗": ``expect = "switch"``). The matter a turn answered about is read as the
load test reads it (:func:`evals.bench.load` ``_matter_of``): its first source, else its first
route.

Scores (shares in [0, 1]):

* ``kept`` — of the ``stay`` dialogues, the follow-up answered about the dialogue's matter
  (``first_code``): kept on topic;
* ``switched`` — of the ``switch`` dialogues, the follow-up answered about one of the
  ``gold_codes`` (the new matter): switched correctly, not trapped on the old one;
* ``element`` — of the dialogues whose follow-up names an element (``aspect``), the follow-up
  was answered about that element (GB/T 47483 §6.2 guide elements);
* ``first_right`` — the first turn answered about ``first_code`` (a routing figure, beside
  the rest so a follow-up miss caused by the first turn is visible).

Misses are reported through the guard's redaction only (the set is team-written, but the
runner is the one real dialogues would go through).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.models import Turn, TurnResult
from assistant.pipeline import Pipeline
from evals.datasets import DatasetError

FOLLOW_UP_TUNE_SET = Path(__file__).resolve().parent.parent / "data" / "follow_ups_tune.jsonl"
"""The tune half of the follow-up dialogues (the held-out half is read only with --holdout)."""
FOLLOW_UP_HOLDOUT_SET = FOLLOW_UP_TUNE_SET.with_name("follow_ups_holdout.jsonl")


class FollowUpCase(BaseModel):
    """A two-turn dialogue: an opening question, then a follow-up in the same session."""

    model_config = ConfigDict(frozen=True)

    id: str
    turns: tuple[str, str]
    first_code: str = Field(min_length=1, description="The matter the first turn opens")
    expect: Literal["stay", "switch"]
    gold_codes: tuple[str, ...] = Field(
        min_length=1, description="Matters that answer the follow-up (any one is right)"
    )
    aspect: str | None = Field(default=None, description="Element the follow-up asks, if named")
    style: str = "uncategorized"


def read_follow_up_cases(path: Path) -> list[FollowUpCase]:
    """Read follow-up dialogues from JSON lines (one :class:`FollowUpCase` a line).

    Raises:
        DatasetError: a line is not JSON or lacks a field (the message names the line).
    """
    cases: list[FollowUpCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(FollowUpCase.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise DatasetError(f"{path.name} line {number}: {type(exc).__name__}") from None
    return cases


class FollowUpScores(BaseModel):
    """One group's figures; each rate is a share of its own count, None when that is 0."""

    model_config = ConfigDict(frozen=True)

    count: int
    stay: int = Field(description="Dialogues whose follow-up should stay on the matter")
    kept: float | None = Field(description="Share of ``stay`` kept on the matter")
    switch: int = Field(description="Dialogues whose follow-up moves to another matter")
    switched: float | None = Field(description="Share of ``switch`` moved to the right matter")
    elements: int = Field(description="Dialogues whose follow-up names an element")
    element: float | None = Field(description="Share of ``elements`` answered on that element")
    first_right: float = Field(description="Share whose first turn found ``first_code``")


class FollowUpMiss(BaseModel):
    """A dialogue whose follow-up went wrong; its text only as the guard redacted it."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    style: str
    expect: str
    follow_up: str | None
    first_got: str | None
    expected: list[str]
    got: str | None
    reason_code: str | None = None


class FollowUpReport(BaseModel):
    """The follow-up evaluation of one set."""

    model_config = ConfigDict(frozen=True)

    set_name: str
    overall: FollowUpScores
    by_style: dict[str, FollowUpScores]
    misses: list[FollowUpMiss]
    semantic: str = ""
    """The dense channel's status as ``/health`` reports it."""


def answered_matter(result: TurnResult) -> str | None:
    """The matter a turn answered about, or None.

    Its first source, else its first route: as the load test reads it.
    """
    if result.sources:
        return result.sources[0].matter_code
    if result.routes:
        return result.routes[0].matter_code
    return None


class _Outcome(BaseModel):
    case: FollowUpCase
    first: str | None
    got: str | None
    aspect: str | None
    reason_code: str | None

    @property
    def right(self) -> bool:
        return self.got in self.case.gold_codes

    @property
    def element_right(self) -> bool:
        return self.right and self.aspect == self.case.aspect


def _rate(hits: Sequence[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _scores(outcomes: Sequence[_Outcome]) -> FollowUpScores:
    stay = [o for o in outcomes if o.case.expect == "stay"]
    switch = [o for o in outcomes if o.case.expect == "switch"]
    elements = [o for o in outcomes if o.case.aspect is not None]
    return FollowUpScores(
        count=len(outcomes),
        stay=len(stay),
        kept=_rate([o.right for o in stay]),
        switch=len(switch),
        switched=_rate([o.right for o in switch]),
        elements=len(elements),
        element=_rate([o.element_right for o in elements]),
        first_right=_rate([o.first == o.case.first_code for o in outcomes]) or 0.0,
    )


def run_dialogue(pipeline: Pipeline, turns: Sequence[str]) -> list[TurnResult]:
    """Run ``turns`` in one fresh session, in order; the results in the same order."""
    session = f"eval-fu-{uuid.uuid4().hex}"
    return [
        asyncio.run(pipeline.run(Turn(question=question, session_id=session)))
        for question in turns
    ]


def evaluate_follow_ups(
    set_name: str,
    cases: Sequence[FollowUpCase],
    pipeline: Pipeline,
    redact: Callable[[str], str] | None = None,
) -> FollowUpReport:
    """Play every dialogue through ``pipeline`` and score its follow-up (see module doc).

    Args:
        set_name: label of the report.
        cases: the dialogues.
        pipeline: the assistant turn (its session store keeps the matter between turns).
        redact: the guard's redaction for the follow-ups kept in misses; without it a miss
            keeps no text.
    """
    outcomes: list[_Outcome] = []
    for case in cases:
        first, second = run_dialogue(pipeline, case.turns)
        outcomes.append(
            _Outcome(
                case=case,
                first=answered_matter(first),
                got=answered_matter(second),
                aspect=second.aspect.value if second.aspect is not None else None,
                reason_code=second.reason_code,
            )
        )
    groups: dict[str, list[_Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.case.style].append(outcome)
    misses = [
        FollowUpMiss(
            case_id=o.case.id,
            style=o.case.style,
            expect=o.case.expect,
            follow_up=redact(o.case.turns[1]) if redact is not None else None,
            first_got=o.first,
            expected=list(o.case.gold_codes),
            got=o.got,
            reason_code=o.reason_code,
        )
        for o in outcomes
        if not o.right
    ]
    return FollowUpReport(
        set_name=set_name,
        overall=_scores(outcomes),
        by_style={name: _scores(group) for name, group in sorted(groups.items())},
        misses=misses,
    )
