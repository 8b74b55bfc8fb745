"""Review queue, corrections and audit log against the real PostgreSQL server (§9.4.1 b, §9.3.3 b).

The shared suite of tests/integration/test_review_queue_db.py on a per-test schema, plus what
only PostgreSQL enforces (column lengths) and the reviewer API racing over HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError

from assistant.app import create_app
from guardrails.models import Source
from guardrails.policy import Guardrails
from tests.factories import TOKENS, app_guard, reviewer_settings
from tests.integration.test_review_queue_db import (
    ALICE,
    BOB,
    Db,
    check_concurrent_claims_have_one_winner,
    check_concurrent_decisions_have_one_winner,
    check_decisions_are_audited_and_corrections_persist,
    check_failed_decision_writes_nothing,
    check_flag_is_stored_redacted,
    flag,
    open_db,
)

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


@pytest.fixture
def pg_db(postgres_url: str) -> Iterator[Db]:
    db = open_db(postgres_url)
    yield db
    db.engine.dispose()


def test_flag_is_stored_redacted_postgres(pg_db: Db) -> None:
    check_flag_is_stored_redacted(pg_db)


def test_decisions_audited_corrections_persist_postgres(pg_db: Db) -> None:
    check_decisions_are_audited_and_corrections_persist(pg_db)


def test_failed_decision_writes_nothing_postgres(pg_db: Db) -> None:
    check_failed_decision_writes_nothing(pg_db)


def test_concurrent_claims_one_winner_postgres(pg_db: Db) -> None:
    check_concurrent_claims_have_one_winner(pg_db)


def test_concurrent_decisions_one_winner_postgres(pg_db: Db) -> None:
    check_concurrent_decisions_have_one_winner(pg_db)


def test_correction_refused_by_column_length_writes_nothing_postgres(pg_db: Db) -> None:
    """PostgreSQL refuses a 65-character matter code in the item's UPDATE: all rolled back."""
    item = flag(pg_db)
    pg_db.guard.review.claim(item.id, ALICE)
    with pytest.raises(DataError):
        pg_db.guard.review.correct(item.id, ALICE, "更正", matter_code="M" * 65, aspect="fee")
    row = pg_db.row(item.id)
    assert (row.status, row.correction, row.matter_code) == ("claimed", None, "HJ-0001")
    assert pg_db.corrections() == []
    assert pg_db.trail(item.id) == [("alice", "review.claim")]
    assert pg_db.guard.review.approved_correction("M" * 65, "fee") is None


@pytest.fixture
def pg_app(postgres_url: str) -> Iterator[tuple[TestClient, Guardrails]]:
    app = create_app(reviewer_settings(postgres_url, scope_classifier=False))
    read_guard = app_guard(app)
    with TestClient(app) as client:
        yield client, read_guard(client)


def test_http_concurrent_claims_one_200_one_409_postgres(
    pg_app: tuple[TestClient, Guardrails],
) -> None:
    client, guard = pg_app
    source = Source(matter_code="HJ-0001", matter_name="户口迁入", section="materials")
    for _ in range(5):
        item = guard.review.add(question="户口迁入要什么", answer="回答", reason_codes=["pii"],
                                sources=[source], kiosk_id="KH", aspect="materials")  # fmt: skip
        responses = _claim_at_once(
            client, item.id, {"alice": TOKENS["alice"], "bob": TOKENS["bob"]}
        )
        assert sorted(r.status_code for r in responses.values()) == [200, 409]
        winner = next(name for name, r in responses.items() if r.status_code == 200)
        loser = next(r for r in responses.values() if r.status_code == 409)
        assert loser.json()["code"] == "guardrails.review_invalid_state"
        assert "其他审核员" in loser.json()["message"]
        assert guard.review.get(item.id).claimed_by == winner
        trail = guard.audit.entries(target=f"review:{item.id}")
        assert [(e.actor, e.action) for e in trail] == [(winner, "review.claim")]


def _claim_at_once(client: TestClient, item_id: int, tokens: dict[str, str]) -> dict[str, Any]:
    """POST the claim for every token from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(tokens), timeout=20)
    responses: dict[str, Any] = {}

    def claim(name: str, token: str) -> None:
        barrier.wait()
        responses[name] = client.post(
            f"/v1/review/items/{item_id}/claim", headers={"Authorization": f"Bearer {token}"}
        )

    threads = [threading.Thread(target=claim, args=pair) for pair in tokens.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_simultaneous_corrections_of_one_matter_aspect_give_409_not_500(pg_db: Db) -> None:
    """Two corrections of the same matter and aspect approved at the same moment: the reviewer
    whose correction row loses the unique race gets a clear conflict, and nothing of that
    approval is written (proposal status, item status, correction, audit)."""
    from sqlalchemy import event

    from guardrails.errors import ProposalStateError
    from guardrails.tables import CorrectionRow

    first, second = flag(pg_db), flag(pg_db)
    proposed = pg_db.guard.review.correct(first.id, ALICE, "请带户口簿和准迁证")
    assert proposed.proposal_id is not None

    def other_reviewer_commits_first(mapper, connection, target) -> None:
        # Fired just before our INSERT: the other reviewer's transaction inserts and commits
        # its row after our read of the corrections table, the real interleaving of the race.
        with pg_db.sessions.begin() as other:
            other.add(CorrectionRow(matter_code="HJ-0001", aspect="materials", text="他人的更正",
                                    review_item_id=second.id, approved_by="bob",
                                    approved_at=target.approved_at))  # fmt: skip

    event.listen(CorrectionRow, "before_insert", other_reviewer_commits_first, once=True)
    try:
        with pytest.raises(ProposalStateError, match="其他审核员"):
            pg_db.guard.review.proposals.approve(proposed.proposal_id, BOB)
    finally:
        if event.contains(CorrectionRow, "before_insert", other_reviewer_commits_first):
            event.remove(CorrectionRow, "before_insert", other_reviewer_commits_first)
    assert pg_db.row(first.id).status == "proposed"
    assert pg_db.guard.review.proposals.get(proposed.proposal_id).status == "proposed"
    assert pg_db.trail(first.id) == [("alice", "review.proposed")]
    assert pg_db.corrections() == [("HJ-0001", "materials", "他人的更正", second.id)]
    assert pg_db.guard.review.approved_correction("HJ-0001", "materials") is None
