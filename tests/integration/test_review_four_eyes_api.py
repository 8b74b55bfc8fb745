"""Refusals a person can check (issue 9): review.refusal items, overturns feeding the allow-list
and the training examples, four-eyes corrections (versioned, withdrawable, stale on a new
matter version) through the reviewer API on the real app (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.settings import Settings
from guardrails.models import Source
from guardrails.policy import Guardrails
from tests.factories import TOKENS, app_guard, review_grants

pytestmark = pytest.mark.integration

ALICE, BOB, AUDRA = (f"Bearer {TOKENS[n]}" for n in ("alice", "bob", "audra"))


@pytest.fixture(scope="module")
def app_and_guard(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Guardrails]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('foureyes')}/daoban.db"
    # sentence embeddings (topic classifier, dense retrieval) are not what is tested here
    settings = Settings(
        database_url=url, knowledge={"semantic_channel": False},
        kiosk={"anonymous": "allow"},  # the test client is no loopback kiosk
        guardrails={"tokens": review_grants(), "refusal_review_sample_rate": 1.0,
                    "topic_classifier": False},
    )  # fmt: skip
    app = create_app(settings)
    read_guard = app_guard(app)
    with TestClient(app) as client:
        yield client, read_guard(client)


def _post(client: TestClient, path: str, who: str, **body: object) -> tuple[int, Any]:
    response = client.post(path, headers={"Authorization": who}, json=body)
    return response.status_code, response.json()


def _item(guard: Guardrails, aspect: str = "fee", code: str = "HJ-0001") -> int:
    source = Source(matter_code=code, matter_name="户口迁入", section=aspect)
    return guard.review.add(question="户口迁入收费吗", answer="收费50元",
                            reason_codes=["output.ungrounded"], sources=[source],
                            aspect=aspect).id  # fmt: skip


def test_refusal_goes_to_review_redacted(app_and_guard: tuple[TestClient, Guardrails]) -> None:
    client, _guard = app_and_guard
    asked = client.post("/v1/ask", json={"question": "我叫王小明，你帮我核验一下身份",
                                         "kiosk_id": "KR"}).json()  # fmt: skip
    assert asked["refused"]
    page = client.get("/v1/review/items", params={"reason_code": "review.refusal"},
                      headers={"Authorization": AUDRA}).json()  # fmt: skip
    assert page["count"] >= 1
    item = page["data"][0]
    assert item["reason_codes"][0] == "review.refusal" and len(item["reason_codes"]) == 2
    assert "王小明" not in item["question"] and "[姓名]" in item["question"]


def test_overturn_needs_a_second_reviewer_then_feeds_allow_list_and_training(
    app_and_guard: tuple[TestClient, Guardrails],
) -> None:
    client, guard = app_and_guard
    refused = guard.input.screen("我想举报诈骗电话，去哪里举报")
    item = guard.review.add(question=refused.text, answer="拒答",
                            reason_codes=["review.refusal", "safety.illegal"])  # fmt: skip
    status, body = _post(client, f"/v1/review/items/{item.id}/overturn", AUDRA)
    assert status == 403
    plain = _item(guard)
    status, body = _post(client, f"/v1/review/items/{plain}/overturn", ALICE)
    assert status == 409  # only refusals can be overturned
    status, body = _post(client, f"/v1/review/items/{item.id}/overturn", ALICE,
                         allow_term="举报诈骗电话", note="举报渠道是正当问题")  # fmt: skip
    assert status == 200 and body["status"] == "proposed"
    proposal = body["proposal_id"]
    assert _post(client, f"/v1/review/proposals/{proposal}/approve", ALICE)[0] == 403
    assert [t for t in guard.lexicon.current.terms if t.term == "举报诈骗电话"] == []
    status, body = _post(client, f"/v1/review/proposals/{proposal}/approve", BOB)
    assert status == 200 and body["status"] == "live" and body["kind"] == "overturn"
    terms = guard.lexicon.current.terms
    assert any(t.term == "举报诈骗电话" and t.category == "allow" for t in terms)
    examples = client.get("/v1/review/training-examples",
                          headers={"Authorization": AUDRA}).json()  # fmt: skip
    assert [(e["label"], e["refused_as"]) for e in examples if e["review_item_id"] == item.id] \
        == [("benign", "safety.illegal")]
    assert guard.review.get(item.id).status == "overturned"
    assert _post(client, f"/v1/review/proposals/{proposal}/approve", BOB)[0] == 409
    # withdrawn: the allow-list term and the training example go again
    status, body = _post(client, f"/v1/review/proposals/{proposal}/withdraw", BOB)
    assert status == 200 and body["status"] == "withdrawn"
    terms = guard.lexicon.current.terms
    assert not any(t.term == "举报诈骗电话" and t.category == "allow" for t in terms)
    examples = client.get("/v1/review/training-examples",
                          headers={"Authorization": AUDRA}).json()  # fmt: skip
    assert [e for e in examples if e["review_item_id"] == item.id] == []


def test_corrections_are_versioned_withdrawable_and_go_stale(
    app_and_guard: tuple[TestClient, Guardrails],
) -> None:
    client, guard = app_and_guard
    first, second = _item(guard), _item(guard)
    status, body = _post(client, f"/v1/review/items/{first}/correct", ALICE,
                         text="不收费。电话13812345678")  # fmt: skip
    assert status == 200 and "13812345678" not in body["correction"]
    one = body["proposal_id"]
    assert guard.turns.approved_correction("HJ-0001", "fee") is None
    assert _post(client, f"/v1/review/proposals/{one}/reject", ALICE)[0] == 403
    status, live = _post(client, f"/v1/review/proposals/{one}/approve", BOB)
    assert (status, live["version"]) == (200, 1)
    status, body = _post(client, f"/v1/review/items/{second}/correct", BOB, text="免费办理。")
    two = body["proposal_id"]
    status, live = _post(client, f"/v1/review/proposals/{two}/approve", ALICE)
    assert (status, live["version"]) == (200, 2)
    assert guard.turns.approved_correction("HJ-0001", "fee") == "免费办理。"
    assert guard.review.proposals.get(one).status == "superseded"
    # withdrawn: no correction applies any more, the item is back in the queue
    status, body = _post(client, f"/v1/review/proposals/{two}/withdraw", ALICE, note="过时")
    assert status == 200 and guard.turns.approved_correction("HJ-0001", "fee") is None
    assert guard.review.get(second).status == "pending"
    assert _post(client, f"/v1/review/proposals/{two}/withdraw", ALICE)[0] == 409
    # a new version of the matter sends a live correction back to review
    third = _item(guard, aspect="materials", code="HJ-0002")
    _post(client, f"/v1/review/items/{third}/correct", ALICE, text="请带户口簿。")
    three = guard.review.proposals.list(review_item_id=third).data[0].id
    status, live = _post(client, f"/v1/review/proposals/{three}/approve", BOB)
    assert status == 200
    version = live["matter_version"] or 1
    assert guard.turns.matters_published({"HJ-0002": version}) == []
    reopened = guard.turns.matters_published({"HJ-0002": version + 1})
    assert len(reopened) == 1 and guard.turns.approved_correction("HJ-0002", "materials") is None
    stale = guard.review.get(reopened[0])
    assert stale.reason_codes == ["review.stale_correction"] and stale.answer == "请带户口簿。"
    assert guard.review.proposals.get(three).status == "stale"
    assert guard.turns.matters_published({"HJ-0002": version + 1}) == []  # once only


def test_proposal_routes_need_a_token_and_exist(
    app_and_guard: tuple[TestClient, Guardrails],
) -> None:
    client, _guard = app_and_guard
    assert client.get("/v1/review/proposals").status_code == 401
    assert client.post("/v1/review/proposals/1/approve").status_code == 401
    assert _post(client, "/v1/review/proposals/999999/approve", BOB)[0] == 404
    listed = client.get("/v1/review/proposals", params={"status": "live"},
                        headers={"Authorization": AUDRA})  # fmt: skip
    assert listed.status_code == 200 and all(p["status"] == "live" for p in listed.json()["data"])
    bad = client.get("/v1/review/proposals", params={"status": "nonsense"},
                     headers={"Authorization": AUDRA})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid"
