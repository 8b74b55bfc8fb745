"""Review queue on a real SQLite file: add (redacted), claim, decide, correct, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from guardrails.errors import ReviewStateError
from guardrails.models import Principal, ReviewStatus, Role, Source
from guardrails.policy import Guardrails, build_guardrails
from guardrails.settings import GuardrailSettings
from guardrails.tables import GuardrailsBase

ALICE = Principal(name="alice", role=Role.REVIEWER)
BOB = Principal(name="bob", role=Role.REVIEWER)


@pytest.fixture
def guard(tmp_path: Path) -> Guardrails:
    engine = create_engine(f"sqlite:///{tmp_path}/g.db")
    GuardrailsBase.metadata.create_all(engine)
    built = build_guardrails(
        GuardrailSettings(scope_classifier=False), sessionmaker(engine, expire_on_commit=False)
    )
    built.warm_up()
    return built


def test_flag_is_stored_redacted(guard: Guardrails) -> None:
    item = guard.review.add(question="我叫王小明，电话13812345678", answer="回答",
                            reason_codes=["output.ungrounded"], kiosk_id="K1")  # fmt: skip
    assert item.question == "我叫[姓名]，电话[电话]"
    assert item.status is ReviewStatus.PENDING


def test_claim_correct_and_later_turns_use_it(guard: Guardrails) -> None:
    source = Source(matter_code="HJ-0001", matter_name="户口迁入", section="materials")
    item = guard.review.add(question="户口迁入要什么", answer="错的", reason_codes=["x"],
                            sources=[source], aspect="materials")  # fmt: skip
    guard.review.claim(item.id, ALICE)
    with pytest.raises(ReviewStateError):
        guard.review.approve(item.id, BOB)
    done = guard.review.correct(item.id, ALICE, "请带户口簿和身份证，联系13812345678")
    assert done.status is ReviewStatus.PROPOSED and "13812345678" not in (done.correction or "")
    # four-eyes: not live yet
    assert guard.turns.approved_correction("HJ-0001", "materials") is None
    assert done.proposal_id is not None
    guard.review.proposals.approve(done.proposal_id, BOB)
    assert guard.turns.approved_correction("HJ-0001", "materials") == done.correction
    guard.review.load_corrections()
    assert guard.turns.approved_correction("HJ-0001", "materials") == done.correction
    assert guard.review.get(item.id).status is ReviewStatus.CORRECTED
    actions = [e.action for e in guard.audit.entries()]
    assert actions[:3] == ["review.approve_proposal", "review.proposed", "review.claim"]
    with pytest.raises(ReviewStateError):
        guard.review.reject(item.id, ALICE)


def test_record_flag_uses_verdict_reasons(guard: Guardrails) -> None:
    screened = guard.input.screen("我叫王小明，我符合低保条件吗")
    item = guard.turns.record_flag(question=screened, kiosk_id="K2")
    assert item is not None and item.reason_codes == ["scope.eligibility"]
    assert "王小明" not in item.question
    assert guard.turns.record_flag(question=guard.input.screen("居住证怎么办")) is None


def test_lexicon_changes_are_audited_and_applied(guard: Guardrails) -> None:
    from guardrails.models import LexiconTerm

    term = LexiconTerm(term="黑中介", category="illegal")
    assert guard.lexicon.current.scan("找黑中介办证") == []
    guard.lexicon.add_term(term, ALICE)
    assert [h.term for h in guard.lexicon.current.scan("找黑中介办证")] == ["黑中介"]
    guard.lexicon.remove_term(term, ALICE)
    assert guard.lexicon.current.scan("找黑中介办证") == []
    assert [e.action for e in guard.audit.entries()][:2] == ["lexicon.remove", "lexicon.add"]


def test_list_filters(guard: Guardrails) -> None:
    guard.review.add(question="a", answer="b", reason_codes=["injection"], kiosk_id="K9")
    guard.review.add(question="c", answer="d", reason_codes=["pii"], kiosk_id="K8")
    page = guard.review.list(reason_code="injection")
    assert page.count == 1 and page.data[0].kiosk_id == "K9"
    assert guard.review.counts() == {"injection": 1, "pii": 1}
