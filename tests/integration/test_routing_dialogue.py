"""Follow-ups stay on the matter under discussion; same-name matters are offered as choices.

Real runtime (guardrails, store, retriever) on SQLite with the sample matters; the semantic
channel is off as in every test that does not ask for it.
"""

from __future__ import annotations

import asyncio

import pytest

from assistant.models import Turn
from knowledge.models import Aspect
from tests.factories import make_content

pytestmark = pytest.mark.integration


def ask(runtime, question, session):
    return asyncio.run(runtime.pipeline.run(Turn(question=question, session_id=session)))


@pytest.mark.parametrize(
    ("first", "code"),
    [("居住证怎么申领", "HJ-0005"), ("住房公积金租房提取怎么办", "GJJ-0001")],
)
@pytest.mark.parametrize("follow_up", ["那要多久", "需要什么材料", "那在哪里办"])
def test_follow_up_stays_on_the_matter_under_discussion(runtime, first, code, follow_up):
    session = f"fu-{code}-{abs(hash(follow_up)) % 10_000}"
    opened = ask(runtime, first, session)
    assert opened.routes[0].matter_code == code
    answered = ask(runtime, follow_up, session)
    assert answered.routes, answered.answer.screen_text
    assert answered.routes[0].matter_code == code
    assert all(s.matter_code == code for s in answered.sources)
    assert answered.aspect is not Aspect.OVERVIEW


def test_follow_up_after_a_clarifying_question_asks_again(runtime):
    session = "fu-choices"
    offered = ask(runtime, "公积金提取", session)
    if offered.reason_code != "clarify":
        pytest.skip("the sample set answers this question directly")
    again = ask(runtime, "那要多久", session)
    assert again.reason_code == "clarify"
    assert [r.matter_code for r in again.routes] == [r.matter_code for r in offered.routes]


def test_follow_up_with_nothing_under_discussion_asks_which_matter(runtime):
    reply = ask(runtime, "需要什么材料", "fu-nothing")
    assert reply.routes == []
    assert reply.reason_code == "which_matter"
    assert "哪个事项" in reply.answer.screen_text


def test_same_name_matters_are_offered_by_department_and_level(runtime):
    name = "古树名木迁移审批"
    runtime.store.import_matters(
        [
            make_content("TS-0901", name=name, department="甲区林业局", level="区级",
                         aliases=[], colloquial_names=[]),
            make_content("TS-0902", name=name, department="乙县林业局", level="县级",
                         aliases=[], colloquial_names=[]),
        ],
        editor="test",
        publish=True,
    )
    reply = ask(runtime, "古树名木迁移审批需要什么材料", "same-name")
    assert reply.reason_code == "clarify"
    assert {r.matter_code for r in reply.routes} == {"TS-0901", "TS-0902"}
    assert "甲区林业局" in reply.answer.screen_text and "乙县林业局" in reply.answer.screen_text
    assert "区级" in reply.answer.screen_text


def test_a_progress_query_twin_is_told_apart(runtime):
    runtime.store.import_matters(
        [
            make_content("TS-0911", name="古树名木认养办理", department="市公安局",
                         aliases=[], colloquial_names=[]),
            make_content("TS-0912", name="古树名木认养进度查询", department="市公安局",
                         aliases=[], colloquial_names=[]),
        ],
        editor="test",
        publish=True,
    )
    matter = runtime.retriever.search("古树名木认养怎么办理", k=3)
    query = runtime.retriever.search("古树名木认养办理进度查一下", k=3)
    assert matter[0].matter.code == "TS-0911"
    assert query[0].matter.code == "TS-0912"


def test_script_endpoint_serves_only_the_published_catalogue(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.app import create_app
    from assistant.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path}/d.db")
    with TestClient(create_app(settings)) as client:
        published_code = "HJ-0005"
        assert client.get(f"/v1/matters/{published_code}/script").status_code == 200
        runtime = client.app_state["runtime"]  # the lifespan's state
        draft = make_content("TS-0921", name="草稿事项测试", aliases=[], colloquial_names=[])
        runtime.store.save_draft(draft, editor="test")
        response = client.get("/v1/matters/TS-0921/script")
    assert response.status_code == 404
    assert response.json()["code"]

