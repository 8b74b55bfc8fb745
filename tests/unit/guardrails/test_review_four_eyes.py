"""Four-eyes review on a real SQLite file (issue 9): refusals sent to review, proposals that a
second reviewer approves, versions, withdrawal, stale corrections, overturn → allow-list and
training examples. The guard is built, not warmed: no classifier is needed here."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from guardrails.errors import ProposalStateError, ReviewStateError, SameReviewerError
from guardrails.models import Principal, ProposalStatus, ReviewStatus, Role, ScreenedQuery
from guardrails.policy import Guardrails, build_guardrails
from guardrails.settings import GuardrailSettings
from guardrails.tables import GuardrailsBase

ALICE = Principal(name="alice", role=Role.REVIEWER)
BOB = Principal(name="bob", role=Role.REVIEWER)


def _guard(tmp_path: Path, **settings: object) -> Guardrails:
    engine = create_engine(f"sqlite:///{tmp_path}/g.db")
    GuardrailsBase.metadata.create_all(engine)
    return build_guardrails(
        GuardrailSettings(scope_classifier=False, **settings),
        sessionmaker(engine, expire_on_commit=False),
    )


@pytest.fixture
def guard(tmp_path: Path) -> Guardrails:
    return _guard(tmp_path, refusal_review_sample_rate=0.0)


def _refused(guard: Guardrails, text: str = "我叫王小明，你帮我核验一下身份") -> ScreenedQuery:
    screened = guard.input.screen(text)
    assert screened.refusal is not None, text
    return screened


def test_refusal_with_a_strong_match_always_goes_to_review(guard: Guardrails) -> None:
    screened = _refused(guard)
    assert guard.turns.record_refusal(question=screened, kiosk_id="K1") is None  # rate 0, no match
    item = guard.turns.record_refusal(question=screened, kiosk_id="K1", matter_code="HJ-0004")
    assert item is not None and item.reason_codes[0] == "review.refusal"
    assert item.reason_codes[1] == screened.refusal.reason_code  # type: ignore[union-attr]
    assert "王小明" not in item.question and item.matter_code == "HJ-0004"
    allowed = guard.input.screen("居住证怎么办")
    assert guard.turns.record_refusal(question=allowed) is None  # not refused


def test_refusals_are_sampled_at_the_configured_rate(tmp_path: Path) -> None:
    guard = _guard(tmp_path, refusal_review_sample_rate=0.25, refusal_review_seed=7)
    screened = _refused(guard)
    queued = sum(guard.turns.record_refusal(question=screened) is not None for _ in range(400))
    assert 60 <= queued <= 140  # 25 % of 400, binomial spread


def _correction_item(guard: Guardrails, aspect: str = "fee") -> int:
    return guard.review.add(question="收费吗", answer="收费50元", reason_codes=["flag"],
                            matter_code="HJ-0001", aspect=aspect).id  # fmt: skip


def test_a_correction_needs_another_reviewer_and_is_versioned(guard: Guardrails) -> None:
    first = guard.review.correct(_correction_item(guard), ALICE, "不收费，电话13812345678")
    assert first.status is ReviewStatus.PROPOSED and first.proposal_id is not None
    assert "13812345678" not in (first.correction or "")
    with pytest.raises(SameReviewerError):
        guard.review.proposals.approve(first.proposal_id, ALICE)
    with pytest.raises(SameReviewerError):
        guard.review.proposals.reject(first.proposal_id, ALICE)
    assert guard.turns.approved_correction("HJ-0001", "fee") is None
    live = guard.review.proposals.approve(first.proposal_id, BOB)
    assert (live.status, live.version, live.decided_by) == (ProposalStatus.LIVE, 1, "bob")
    with pytest.raises(ProposalStateError):
        guard.review.proposals.approve(first.proposal_id, BOB)
    second = guard.review.correct(_correction_item(guard), BOB, "免费。")
    assert second.proposal_id is not None
    assert guard.review.proposals.approve(second.proposal_id, ALICE).version == 2
    assert guard.turns.approved_correction("HJ-0001", "fee") == "免费。"
    assert guard.review.proposals.get(first.proposal_id).status is ProposalStatus.SUPERSEDED
    trail = [e.action for e in guard.audit.entries(target=f"proposal:{second.proposal_id}")]
    assert trail == ["review.approve_proposal"]


def test_rejected_and_withdrawn_proposals_reopen_the_item(guard: Guardrails) -> None:
    item = _correction_item(guard)
    proposed = guard.review.correct(item, ALICE, "不收费。")
    assert proposed.proposal_id is not None
    with pytest.raises(ProposalStateError):  # someone else's, not live yet: reject it instead
        guard.review.proposals.withdraw(proposed.proposal_id, BOB)
    rejected = guard.review.proposals.reject(proposed.proposal_id, BOB, "电话13812345678不对")
    assert rejected.status is ProposalStatus.REJECTED and "13812345678" not in rejected.note
    assert guard.review.get(item).status is ReviewStatus.PENDING
    again = guard.review.correct(item, ALICE, "免费办理。")
    assert again.proposal_id is not None
    guard.review.proposals.approve(again.proposal_id, BOB)
    assert guard.turns.approved_correction("HJ-0001", "fee") == "免费办理。"
    withdrawn = guard.review.proposals.withdraw(again.proposal_id, ALICE)
    assert withdrawn.status is ProposalStatus.WITHDRAWN
    assert guard.turns.approved_correction("HJ-0001", "fee") is None
    assert guard.review.load_corrections() == 0
    assert guard.review.get(item).status is ReviewStatus.PENDING


def test_a_new_matter_version_sends_the_correction_back_to_review(guard: Guardrails) -> None:
    guard.turns.matters_published({"HJ-0001": 3})
    proposed = guard.review.correct(_correction_item(guard, "materials"), ALICE, "请带户口簿。")
    assert proposed.proposal_id is not None
    live = guard.review.proposals.approve(proposed.proposal_id, BOB)
    assert live.matter_version == 3
    assert guard.turns.matters_published({"HJ-0001": 3}) == []
    reopened = guard.turns.matters_published({"HJ-0001": 4, "HJ-0002": 1})
    assert len(reopened) == 1
    assert guard.turns.approved_correction("HJ-0001", "materials") is None
    item = guard.review.get(reopened[0])
    assert item.reason_codes == ["review.stale_correction"] and item.answer == "请带户口簿。"
    assert guard.review.proposals.get(proposed.proposal_id).status is ProposalStatus.STALE
    assert [e.actor for e in guard.audit.entries(target=f"review:{item.id}")] == ["system"]


def test_overturn_feeds_allow_list_and_training_examples(guard: Guardrails) -> None:
    plain = _correction_item(guard)
    with pytest.raises(ReviewStateError):
        guard.review.overturn(plain, ALICE)
    screened = _refused(guard)
    item = guard.turns.record_refusal(question=screened, matter_code="HJ-0004")
    assert item is not None
    proposed = guard.review.overturn(item.id, ALICE, allow_term="核验一下身份证在哪", note="问地点")
    assert proposed.status is ReviewStatus.PROPOSED and proposed.proposal_id is not None
    assert guard.review.proposals.training_examples() == []
    guard.review.proposals.approve(proposed.proposal_id, BOB)
    assert guard.review.get(item.id).status is ReviewStatus.OVERTURNED
    assert any(t.term == "核验一下身份证在哪" and t.category == "allow"
               for t in guard.lexicon.current.terms)  # fmt: skip
    [example] = guard.review.proposals.training_examples()
    assert (example.label, example.refused_as) == ("benign", screened.refusal.reason_code)  # type: ignore[union-attr]
    assert "王小明" not in example.text and example.approved_by == "bob"
    guard.review.proposals.withdraw(proposed.proposal_id, ALICE)
    assert guard.review.proposals.training_examples() == []
    assert not any(t.term == "核验一下身份证在哪" for t in guard.lexicon.current.terms)
