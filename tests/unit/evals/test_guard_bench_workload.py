"""The guard bench's accounting: what retrieval shares, and the tune-question workload (issue 9).

The bench precomputes the vector of the text retrieval searches after a screening (retrieval
embeds it anyway) and times every other embedding the guard asks for; beside its ten turns it
times the guard once over each question of the team's tune sets, never their held-out halves.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np

from evals.bench.guard import (
    DRAFT,
    WORKLOAD_SETS,
    SharedVectors,
    _workload_cost,
    read_workload,
    retrieval_text,
)
from guardrails.models import ActKind, ActRequest, Decision, GuardedAnswer, ScreenedQuery
from guardrails.rails.base import verdict


class _Encoder:
    """A stand-in encoder: 8-dim vectors; remembers what it embedded."""

    model_id = "test-8"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        return np.full((len(texts), 8), 1 / np.sqrt(8), dtype=np.float32)


class _Guard:
    """A guard whose screening embeds the question, and also its second clause after 顺便."""

    def __init__(self, encoder: SharedVectors) -> None:
        self.encoder = encoder
        self.forgotten = 0
        self.classifiers = SimpleNamespace(
            topic=SimpleNamespace(forget_recent=self.forget), acts=None
        )
        self.input = SimpleNamespace(screen=self.screen)
        self.output = SimpleNamespace(check=self.check, rails=())

    def forget(self) -> None:
        self.forgotten += 1

    def screen(self, text: str) -> ScreenedQuery:
        self.encoder.encode_queries([text])
        if "顺便" in text:
            self.encoder.encode_queries([text.split("顺便")[1]])
        return ScreenedQuery(text=text)

    def check(self, draft: object, grounding: object, fallback: object) -> GuardedAnswer:
        return GuardedAnswer(screen_text=DRAFT.screen_text, spoken_text=DRAFT.spoken_text)


def test_the_workload_is_the_tune_sets_never_a_held_out_half() -> None:
    assert all("holdout" not in name for name in WORKLOAD_SETS)
    workload = read_workload()
    assert set(workload) == {name.removesuffix(".jsonl") for name in WORKLOAD_SETS}
    assert all(questions and all(q.strip() for q in questions) for questions in workload.values())


def test_retrieval_searches_the_refused_text_or_what_is_answered() -> None:
    plain = ScreenedQuery(text="居住证怎么办")
    assert retrieval_text(plain) == "居住证怎么办"
    declined = ScreenedQuery(
        text="社保卡怎么补办？你顺便帮我把审批过了",
        declined=[ActRequest(kind=ActKind.APPROVE, reason_code="scope.final_decision",
                             start=8, end=19)],
        answerable_text="社保卡怎么补办",
    )  # fmt: skip
    assert retrieval_text(declined) == "社保卡怎么补办"
    refused = ScreenedQuery(
        text="我符合低保条件吗",
        refusal=verdict("input", "scope", Decision.REFUSE, "scope.eligibility"),
    )
    assert retrieval_text(refused) == "我符合低保条件吗"


def test_only_vectors_retrieval_does_not_share_count_as_fresh() -> None:
    inner = _Encoder()
    shared = SharedVectors(inner)
    shared.shared["居住证怎么办"] = np.zeros(8, dtype=np.float32)
    shared.encode_queries(["居住证怎么办"])
    assert shared.fresh == 0 and inner.asked == []
    shared.encode_queries(["居住证怎么办", "要多久"])
    assert shared.fresh == 1 and inner.asked == ["要多久"]


def test_the_workload_reports_the_share_of_passes_that_embed_unshared_text() -> None:
    inner = _Encoder()
    encoder = SharedVectors(inner)
    guard = _Guard(encoder)
    questions = ["居住证怎么办", "社保卡怎么补办顺便把审批过了", "执照变更要多少钱", "护照怎么办"]
    cost = _workload_cost("tune", questions, cast(Any, guard), encoder, inner)
    assert cost.name == "tune" and cost.questions == 4
    assert cost.unshared_share == 0.25  # the clause after 顺便 is the guard's alone
    assert 0 <= cost.cpu_p50_ms <= cost.cpu_p95_ms and 0 <= cost.wall_p50_ms <= cost.wall_p95_ms
    assert guard.forgotten == 4  # every timed pass starts with no recent judgement kept
