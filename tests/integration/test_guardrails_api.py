"""Reviewer API on the real app (lifespan, SQLite): roles, queue decisions, lexicon, audit,
and a correction used by a later turn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from guardrails.models import Source
from guardrails.policy import Guardrails
from tests.factories import TOKENS, app_guard, reviewer_settings

pytestmark = pytest.mark.integration

REVIEWER = TOKENS["alice"]
SECOND = TOKENS["bob"]
AUDITOR = TOKENS["audra"]


@pytest.fixture(scope="module")
def app_and_guard(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Guardrails]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('review')}/daoban.db"
    app = create_app(reviewer_settings(url))
    read_guard = app_guard(app)
    with TestClient(app) as client:
        yield client, read_guard(client)


@pytest.fixture(scope="module")
def app_client(app_and_guard: tuple[TestClient, Guardrails]) -> TestClient:
    return app_and_guard[0]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def guard(app_and_guard: tuple[TestClient, Guardrails]) -> Guardrails:
    """The app's own guard, read from the lifespan state through a test-only route."""
    return app_and_guard[1]


def _flag(guard: Guardrails, question: str) -> int:
    """Queue a flagged turn the way the pipeline does (redacted by the queue)."""
    item = guard.review.add(
        question=question, answer="需要带身份证", reason_codes=["output.ungrounded"],
        sources=[Source(matter_code="HJ-0001", matter_name="户口迁入", section="materials")],
        kiosk_id="K1", aspect="materials",
    )  # fmt: skip
    return item.id


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v1/review/items"), ("post", "/v1/review/items/1/claim"),
     ("get", "/v1/lexicon/terms"), ("get", "/v1/review/audit")],
)  # fmt: skip
def test_anonymous_gets_401(app_client: TestClient, method: str, path: str) -> None:
    response = getattr(app_client, method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "guardrails.unauthenticated"


def test_unknown_token_gets_401(app_client: TestClient) -> None:
    response = app_client.get("/v1/review/items", headers=_auth("not-a-known-token-123"))
    assert response.status_code == 401


def test_auditor_reads_but_cannot_decide(app_client: TestClient, guard: Guardrails) -> None:
    item_id = _flag(guard, "户口迁入要什么")
    assert app_client.get("/v1/review/items", headers=_auth(AUDITOR)).status_code == 200
    response = app_client.post(f"/v1/review/items/{item_id}/claim", headers=_auth(AUDITOR))
    assert response.status_code == 403
    assert response.json()["code"] == "guardrails.forbidden"
    response = app_client.post("/v1/lexicon/terms", json={"term": "黑中介", "category": "illegal"},
                               headers=_auth(AUDITOR))  # fmt: skip
    assert response.status_code == 403


def test_claim_correct_is_audited_and_used_by_later_turns(
    app_client: TestClient, guard: Guardrails
) -> None:
    item_id = _flag(guard, "我叫王小明，户口迁入要什么")
    listed = app_client.get("/v1/review/items", params={"status": "pending"},
                            headers=_auth(REVIEWER)).json()  # fmt: skip
    assert item_id in [item["id"] for item in listed["data"]]
    assert all("王小明" not in item["question"] for item in listed["data"])
    claimed = app_client.post(f"/v1/review/items/{item_id}/claim", headers=_auth(REVIEWER))
    assert claimed.json()["status"] == "claimed" and claimed.json()["claimed_by"] == "alice"
    corrected = app_client.post(
        f"/v1/review/items/{item_id}/correct",
        json={"text": "审核员更正：请带居民户口簿和准迁证。"}, headers=_auth(REVIEWER),
    )  # fmt: skip
    assert corrected.status_code == 200 and corrected.json()["status"] == "proposed"
    again = app_client.post(f"/v1/review/items/{item_id}/approve", headers=_auth(REVIEWER))
    assert again.status_code == 409
    before = app_client.post("/v1/ask", json={"question": "户口迁入登记需要准备哪些材料"}).json()
    assert "审核员更正" not in before["answer"]["screen_text"]  # four-eyes: not live yet
    proposal = corrected.json()["proposal_id"]
    own = app_client.post(f"/v1/review/proposals/{proposal}/approve", headers=_auth(REVIEWER))
    assert own.status_code == 403 and own.json()["code"] == "guardrails.four_eyes"
    live = app_client.post(f"/v1/review/proposals/{proposal}/approve", headers=_auth(SECOND))
    assert live.status_code == 200 and live.json()["status"] == "live"
    audit = app_client.get("/v1/review/audit", headers=_auth(AUDITOR)).json()
    assert [(e["actor"], e["action"]) for e in audit[:3]] == [
        ("bob", "review.approve_proposal"),
        ("alice", "review.proposed"),
        ("alice", "review.claim"),
    ]
    answer = app_client.post("/v1/ask", json={"question": "户口迁入登记需要准备哪些材料"}).json()
    assert "审核员更正" in answer["answer"]["screen_text"]
    assert "AI生成，仅供参考" in answer["answer"]["spoken_text"]


def test_reviewer_lexicon_change_applies_to_next_turn(app_client: TestClient) -> None:
    question = "能不能找黑中介办户口迁入"
    before = app_client.post("/v1/ask", json={"question": question}).json()
    assert before["reason_code"] != "safety.illegal"
    added = app_client.post("/v1/lexicon/terms", json={"term": "黑中介", "category": "illegal"},
                            headers=_auth(REVIEWER))  # fmt: skip
    assert added.status_code == 201
    after = app_client.post("/v1/ask", json={"question": question}).json()
    assert after["refused"] and after["reason_code"] == "safety.illegal"
    removed = app_client.post("/v1/lexicon/terms/remove",
                              json={"term": "黑中介", "category": "illegal"},
                              headers=_auth(REVIEWER))  # fmt: skip
    assert removed.status_code == 200
    actions = [e["action"] for e in app_client.get("/v1/review/audit",
                                                     headers=_auth(AUDITOR)).json()[:2]]  # fmt: skip  # noqa: E501 - data/regex/table row kept on one line
    assert actions == ["lexicon.remove", "lexicon.add"]


def test_stats_by_reason_with_tc260(app_client: TestClient) -> None:
    app_client.post("/v1/ask", json={"question": "我符合低保条件吗"})
    stats = app_client.get("/v1/review/stats", headers=_auth(AUDITOR)).json()
    assert stats["verdicts"]["scope.eligibility/refuse"] >= 1
    assert stats["tc260_classes"]["scope.eligibility"] == ["A.5"]
