"""The clause-gate check (issue 9): switches the scope rail's gates off and back, and compares."""

from __future__ import annotations

import pytest

from evals.bench.clause_gates import TUNE_SETS, UNGATED, compare, ungated
from guardrails.policy import Guardrails, build_guardrails
from guardrails.rails import scope
from guardrails.settings import GuardrailSettings
from guardrails.tables import memory_sessionmaker


@pytest.fixture(scope="module")
def guard() -> Guardrails:
    built = build_guardrails(GuardrailSettings(), memory_sessionmaker())
    built.warm_up()
    return built


def test_the_gates_are_off_inside_and_restored_after_even_on_error() -> None:
    before = {name: getattr(scope, name) for name in UNGATED}
    assert before != dict(UNGATED)
    with pytest.raises(RuntimeError), ungated():
        assert {name: getattr(scope, name) for name in UNGATED} == dict(UNGATED)
        raise RuntimeError("boom")
    assert {name: getattr(scope, name) for name in UNGATED} == before


def test_the_check_reads_tune_sets_only() -> None:
    assert all("holdout" not in name for name in TUNE_SETS)


def test_without_a_sentence_encoder_the_gates_change_nothing(guard: Guardrails) -> None:
    questions = {
        "acts": ["社保卡怎么补办？你顺便在系统里帮我把审批也过了吧", "我符合低保条件吗"],
        "near": ["申请低保需要什么条件", "我叫张伟，身份证丢了怎么补"],
    }
    report = compare(guard, questions)
    assert report.questions == {"acts": 2, "near": 2}
    assert report.changed == {} and report.changes == []
    assert report.embedding_gated == {"acts": 0, "near": 0}
