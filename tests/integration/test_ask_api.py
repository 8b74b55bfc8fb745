"""POST /v1/ask, GET /v1/matters, GET /health on the real app with real SQLite."""

from __future__ import annotations

import pytest

from guardrails.models import AI_LABEL

pytestmark = pytest.mark.integration


def ask(client, question, **extra):
    response = client.post("/v1/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("question", "code", "section"),
    [
        ("身份证丢了怎么补办", "HJ-0004", "事项概要"),
        ("户口签移要带什么", "HJ-0008", "申请材料"),
        ("异地就一备案要多久", "YB-0002", "办结时限"),
    ],
)
def test_done_when_questions_are_answered_sourced_labelled_routed(client, question, code, section):
    body = ask(client, question)
    assert body["intent"] == "ask_matter"
    assert body["refused"] is False
    assert body["answer"]["label"] == AI_LABEL
    assert AI_LABEL in body["answer"]["screen_text"]
    assert AI_LABEL in body["answer"]["spoken_text"]
    assert body["sources"][0] == {
        "matter_code": code,
        "matter_name": body["sources"][0]["matter_name"],
        "section": section,
    }
    assert body["routes"][0]["matter_code"] == code
    assert body["routes"][0]["kiosk_route"].startswith("kiosk://")
    assert body["follow_ups"]
    assert body["latency_ms"] > 0


def test_answer_facts_come_from_the_matter(client):
    body = ask(client, "补身份证要多久")
    matter = client.get("/v1/matters/HJ-0004").json()
    limit = matter["time_limit"]
    assert f"{limit['legal_working_days']}个工作日" in body["answer"]["screen_text"]
    assert matter["consultation_phone"] in body["answer"]["screen_text"]


def test_follow_up_resolves_against_the_matter_under_discussion(client):
    first = ask(client, "居住证怎么办", session_id="kiosk1-s1")
    code = first["routes"][0]["matter_code"]
    follow = ask(client, "那要多久", session_id="kiosk1-s1")
    assert follow["sources"][0]["matter_code"] == code
    assert follow["aspect"] == "time_limit"
    other = ask(client, "那要多久", session_id="kiosk1-s2")
    assert other["sources"] == []


def test_unrelated_question_gets_honest_not_found_with_hotline(client):
    body = ask(client, "今天天气怎么样")
    assert body["routes"] == []
    assert "12345" in body["answer"]["screen_text"]
    assert AI_LABEL in body["answer"]["screen_text"]


def test_identity_and_eligibility_requests_are_refused_with_the_official_channel(client):
    for question in ["你帮我核实一下我的身份", "你看我这情况能不能批下来低保"]:
        body = ask(client, question)
        assert body["refused"] is True
        assert body["reason_code"].startswith("scope.")
        assert "12345" in body["answer"]["screen_text"] or "窗口" in body["answer"]["screen_text"]


def test_direct_route_and_help(client):
    route = ask(client, "我要办居住证")
    assert route["intent"] == "go_to_matter"
    assert route["routes"][0]["matter_code"] == "HJ-0005"
    assert any(a["action"] in {"open_route", "show_route"} for a in route["actions"])
    help_ = ask(client, "一键求助")
    assert help_["intent"] == "help"
    assert help_["actions"] == [{"action": "call_help", "params": {}}]


def test_matters_search_and_detail(client):
    found = client.get("/v1/matters", params={"q": "居住证"}).json()
    assert found["count"] >= 1
    assert found["data"][0]["code"].startswith("HJ-")
    detail = client.get("/v1/matters/HJ-0004").json()
    for element in ["name", "type", "conditions", "materials", "process", "time_limit", "result",
                    "service_objects", "department"]:
        assert detail[element]
    listing = client.get("/v1/matters").json()
    assert listing["count"] == 20


def test_health_reports_channels_and_models(client):
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["matters_published"] >= 80
    components = health["components"]
    assert components["retrieval.lexical"]["available"] is True
    assert components["retrieval.dense"]["available"] is False
    assert "semantic channel off" in components["retrieval.dense"]["detail"]
    assert components["composer"]["detail"] == "extractive"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({}, 422),
        ({"question": ""}, 422),
        ({"question": "x" * 501}, 422),
        ({"question": "居住证", "session_id": "bad id!"}, 422),
        ({"question": 42}, 422),
    ],
)
def test_bad_ask_input_is_a_clear_4xx(client, payload, status):
    response = client.post("/v1/ask", json=payload)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == "request.invalid"
    assert "请" in body["message"]


def test_unknown_matter_is_404_with_code(client):
    response = client.get("/v1/matters/NO-0000")
    assert response.status_code == 404
    assert response.json()["code"] == "knowledge.matter_not_found"


def test_malformed_json_is_4xx(client):
    response = client.post("/v1/ask", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_script_in_the_turn_response_when_asked(client):
    body = ask(client, "身份证丢了怎么补办", with_script=True, elderly=True)
    script = body["script"]
    assert script["segments"]
    assert "AI" in script["segments"][0]["text"] or "人工智能" in script["segments"][0]["text"]
    assert ask(client, "身份证丢了怎么补办")["script"] is None
