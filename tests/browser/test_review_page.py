"""The reviewer page (``GET /review``) in real Chromium against the real app (GB/T 47483 §9.4.1 b).

The app runs under uvicorn in a subprocess on a temporary SQLite file. Flagged turns are fed
through the real pipeline (``POST /v1/ask`` with personal data in the question, flagged by the
lexicon's ``misleading`` category) or queued with the review queue itself; the page is driven as
a reviewer would, then the database and the audit log are checked (§9.3.3 b).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from assistant.database import create_db_engine, make_sessionmaker
from evals.bench.http import stop_service
from guardrails.models import Source
from guardrails.policy import build_guardrails
from guardrails.settings import GuardrailSettings
from guardrails.tables import AuditRow, CorrectionRow, LexiconTermRow, ReviewItemRow
from tests.browser.conftest import LiveServer, start_server
from tests.factories import TOKENS, review_grants

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

expect: Any = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]'").expect

ALICE, BOB, AUDRA = TOKENS["alice"], TOKENS["bob"], TOKENS["audra"]
PERSONAL = {
    "name": "王小明",
    "id": "110101199001011237",
    "phone": "13812345678",
    "mobile": "13912345678",
    "bank": "4111111111111111",
    "other_name": "李秀英",
}
FLAGGED_QUESTION = (  # "内部渠道" is in the lexicon's misleading category: input flag -> queue
    f"我想走内部渠道办居住证，我叫{PERSONAL['name']}，身份证{PERSONAL['id']}，电话{PERSONAL['phone']}"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # sentence embeddings (topic classifier, dense retrieval) are not what this page tests
    quick = {"DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL": "false",
             "DAOBAN_GUARDRAILS__TOPIC_CLASSIFIER": "false"}
    process, live = start_server(tmp_path_factory.mktemp("review-page"), review_grants(), quick)
    try:
        yield live
    finally:
        stop_service(process)


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, locale="zh-CN")
    opened = context.new_page()
    opened.on("dialog", lambda dialog: dialog.accept())
    problems: list[str] = []  # uncaught script errors, CSP refusals (not the expected 4xx)

    def on_console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("console", on_console)
    yield opened
    context.close()
    assert problems == []


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _newest_item(server: LiveServer, kiosk_id: str) -> dict[str, Any]:
    page = httpx.get(f"{server.url}/v1/review/items", params={"kiosk_id": kiosk_id},
                     headers=_auth(AUDRA)).json()  # fmt: skip
    assert page["count"] >= 1, f"nothing queued for kiosk {kiosk_id}"
    return dict(page["data"][0])


def ask_flagged(server: LiveServer, kiosk_id: str, question: str = FLAGGED_QUESTION) -> int:
    """Feed a question through the real pipeline; returns the review item it queued."""
    response = httpx.post(f"{server.url}/v1/ask", json={"question": question, "kiosk_id": kiosk_id},
                          timeout=30)  # fmt: skip
    assert response.status_code == 200
    return int(_newest_item(server, kiosk_id)["id"])


def queue_ungrounded(server: LiveServer, kiosk_id: str) -> int:
    """Queue an output flag with the review queue itself (what the output rails record)."""
    engine = create_db_engine(server.database_url)
    guard = build_guardrails(GuardrailSettings(scope_classifier=False), make_sessionmaker(engine))
    item = guard.review.add(
        question=f"我叫{PERSONAL['other_name']}，银行卡{PERSONAL['bank']}，户口迁入要带什么",
        answer="请带户口簿，30个工作日办结", reason_codes=["output.ungrounded"],
        sources=[Source(matter_code="HJ-0001", matter_name="户口迁入", section="materials")],
        kiosk_id=kiosk_id, aspect="materials",
    )  # fmt: skip
    engine.dispose()
    return item.id


def login(page: Any, token: str) -> None:
    page.goto("/review")
    page.fill("#token", token)
    page.click("#login-btn")


def logged_in(page: Any, token: str, who: str) -> None:
    login(page, token)
    expect(page.locator("#who-name")).to_have_text(who)
    expect(page.locator("#workspace")).to_be_visible()


def filter_kiosk(page: Any, kiosk_id: str, status: str = "") -> None:
    page.select_option("#f-status", status)
    page.fill("#f-kiosk", kiosk_id)
    page.click("#f-apply")
    expect(page.locator("#queue tbody tr").first).to_have_attribute("data-kiosk", kiosk_id)


def open_item(page: Any, item_id: int) -> None:
    page.locator(f"#queue tbody tr[data-id='{item_id}'] button.view").click()
    expect(page.locator("#d-id")).to_have_text(f"#{item_id}")


def _db(server: LiveServer) -> Session:
    return Session(create_engine(server.database_url))


def _trail(session: Session, item_id: int, *, reads: bool = False) -> list[tuple[str, str]]:
    """The item's decisions (or, with ``reads``, only who opened it: ``review.read``)."""
    rows = session.scalars(
        select(AuditRow).where(AuditRow.target == f"review:{item_id}").order_by(AuditRow.id)
    )
    return [(r.actor, r.action) for r in rows if (r.action == "review.read") is reads]


def test_wrong_token_shows_error_and_no_queue(page: Any) -> None:
    login(page, "not-a-valid-token-123456")
    border = "getComputedStyle(document.querySelector('.bar')).borderBottomStyle"
    assert page.evaluate(border) == "solid"  # the shared backoffice.css applies
    expect(page.locator("#login-error")).to_contain_text("访问令牌无效或已失效")
    expect(page.locator("#workspace")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('daoban.reviewToken')") is None
    assert page.locator("#queue tbody tr").count() == 0


def test_page_is_local_and_strict(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/review")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for asset in ("/review/static/review.js", "/backoffice/static/backoffice.css"):
        served = httpx.get(f"{server.url}{asset}")
        assert served.status_code == 200
        assert "script-src 'self'" in served.headers["content-security-policy"]
        assert "http://" not in served.text and "https://" not in served.text  # nothing remote
    assert httpx.get(f"{server.url}/review/static/nothing.js").status_code == 404


def test_reviewer_filters_claims_corrects_approves_rejects(page: Any, server: LiveServer) -> None:
    corrected_id = ask_flagged(server, "KF1")
    approved_id = ask_flagged(server, "KF2", f"想走内部渠道办居住证，我的手机{PERSONAL['mobile']}")
    rejected_id = queue_ungrounded(server, "KF3")
    logged_in(page, ALICE, "alice（审核员）")
    assert page.evaluate("sessionStorage.getItem('daoban.reviewToken')") == ALICE
    assert page.evaluate("localStorage.length") == 0

    # filters: kiosk, then reason code
    filter_kiosk(page, "KF2")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue tbody tr")).to_have_attribute("data-id", str(approved_id))
    page.fill("#f-kiosk", "")
    page.select_option("#f-reason", "output.ungrounded")
    page.click("#f-apply")
    expect(page.locator(f"#queue tbody tr[data-id='{rejected_id}']")).to_be_visible()
    expect(page.locator(f"#queue tbody tr[data-id='{corrected_id}']")).to_have_count(0)
    page.click("#f-reset")

    # claim, then correct (matter prefilled from the item, aspect chosen)
    filter_kiosk(page, "KF1", status="pending")
    open_item(page, corrected_id)
    expect(page.locator("#d-question")).to_contain_text("[身份证号]")
    page.click("#act-claim")
    expect(page.locator("#d-status")).to_have_text("已领取")
    expect(page.locator("#notice")).to_contain_text("已领取")
    matter_code = page.input_value("#correct-matter")
    assert matter_code
    page.select_option("#correct-aspect", "materials")
    page.fill("#correct-text", "审核更正：请带居民身份证和居住证明材料到派出所办理。")
    page.click("#act-correct")
    expect(page.locator("#d-status")).to_have_text("待复核")  # four-eyes: not live yet
    expect(page.locator("#d-correction")).to_contain_text("审核更正")
    expect(page.locator("#item-audit tbody tr")).to_have_count(2)
    expect(page.locator("#item-audit tbody tr").first).to_contain_text("提议更正")
    own = page.locator("#item-proposals tbody tr").first
    expect(own).to_have_attribute("data-status", "proposed")
    expect(own).to_contain_text("等待另一位审核员复核")
    expect(own.locator("button.approve-proposal")).to_have_count(0)  # not for its proposer

    # approve without claiming first
    filter_kiosk(page, "KF2")
    open_item(page, approved_id)
    page.click("#act-approve")
    expect(page.locator("#d-status")).to_have_text("已通过")
    expect(page.locator("#actions")).to_be_hidden()

    # claim, then reject with a note
    filter_kiosk(page, "KF3")
    open_item(page, rejected_id)
    page.click("#act-claim")
    expect(page.locator("#d-status")).to_have_text("已领取")
    page.fill("#reject-note", "办结时限与事项不符")
    page.click("#act-reject")
    expect(page.locator("#d-status")).to_have_text("已驳回")

    # the audit trail on the page
    page.click("#tab-audit")
    page.select_option("#a-action", "review.rejected")
    page.click("#a-apply")
    first = page.locator("#audit tbody tr").first
    expect(first).to_contain_text(f"review:{rejected_id}")
    expect(first).to_contain_text("alice")
    expect(first).to_contain_text("驳回")

    # the second reviewer approves the correction on the four-eyes tab
    page.click("#logout-btn")
    logged_in(page, BOB, "bob（审核员）")
    page.click("#tab-proposals")
    row = page.locator("#proposals tbody tr", has_text="审核更正")
    expect(row).to_have_attribute("data-status", "proposed")
    row.locator("button.approve-proposal").click()
    expect(page.locator("#notice")).to_contain_text("已复核通过并生效")
    page.select_option("#p-status", "live")
    page.click("#p-apply")
    expect(page.locator("#proposals tbody tr", has_text="审核更正")).to_contain_text("bob")

    with _db(server) as session:
        rows = {r.id: r for r in session.scalars(select(ReviewItemRow))}
        assert (rows[corrected_id].status, rows[corrected_id].decided_by) == ("corrected", "bob")
        assert rows[corrected_id].aspect == "materials"
        assert (rows[approved_id].status, rows[approved_id].claimed_by) == ("approved", "alice")
        assert (rows[rejected_id].status, rows[rejected_id].decided_by) == ("rejected", "alice")
        correction = session.scalar(
            select(CorrectionRow).where(
                CorrectionRow.matter_code == matter_code, CorrectionRow.aspect == "materials"
            )
        )
        assert correction is not None and correction.review_item_id == corrected_id
        assert correction.approved_by == "bob" and correction.text.startswith("审核更正")
        assert _trail(session, corrected_id) == [("alice", "review.claim"),
                                                 ("alice", "review.proposed")]  # fmt: skip
        assert _trail(session, approved_id) == [("alice", "review.approved")]
        assert _trail(session, rejected_id) == [("alice", "review.claim"),
                                                ("alice", "review.rejected")]  # fmt: skip
        assert ("alice", "review.read") in _trail(session, rejected_id, reads=True)

    # the correction answers later turns about that matter's materials
    name = _newest_item(server, "KF1")["sources"][0]["matter_name"]
    later = httpx.post(f"{server.url}/v1/ask", json={"question": f"{name}需要带什么材料"}).json()
    assert "审核更正" in later["answer"]["screen_text"]


def queue_refusal(server: LiveServer, kiosk_id: str) -> int:
    """Queue a refusal for review the way the pipeline does (``review.refusal``, redacted)."""
    engine = create_db_engine(server.database_url)
    guard = build_guardrails(GuardrailSettings(scope_classifier=False), make_sessionmaker(engine))
    item = guard.review.add(
        question=f"我叫{PERSONAL['name']}，我想举报诈骗电话，去哪里举报", answer="拒答",
        reason_codes=["review.refusal", "safety.illegal"], kiosk_id=kiosk_id,
    )  # fmt: skip
    engine.dispose()
    return item.id


def test_refusal_is_overturned_by_two_reviewers_then_withdrawn(
    page: Any, server: LiveServer
) -> None:
    item_id = queue_refusal(server, "KO1")
    logged_in(page, ALICE, "alice（审核员）")
    filter_kiosk(page, "KO1")
    open_item(page, item_id)
    expect(page.locator("#d-reasons")).to_contain_text("拒答复查")
    expect(page.locator("#d-question")).to_contain_text("[姓名]")
    expect(page.locator("#overturn-box")).to_be_visible()
    page.fill("#overturn-term", "举报诈骗电话")
    page.fill("#overturn-note", "举报渠道是正当问题")
    page.click("#act-overturn")
    expect(page.locator("#d-status")).to_have_text("待复核")
    # the proposer cannot approve: the API says four-eyes, and the page offers no button
    proposal = page.locator("#item-proposals tbody tr").first
    expect(proposal).to_have_attribute("data-kind", "overturn")
    pid = int(proposal.get_attribute("data-id") or 0)
    own = httpx.post(f"{server.url}/v1/review/proposals/{pid}/approve", headers=_auth(ALICE))
    assert own.status_code == 403 and own.json()["code"] == "guardrails.four_eyes"
    page.click("#logout-btn")
    logged_in(page, BOB, "bob（审核员）")
    page.click("#tab-proposals")
    row = page.locator(f"#proposals tbody tr[data-id='{pid}']")
    expect(row).to_contain_text("放行词条：举报诈骗电话")
    row.locator("button.approve-proposal").click()
    expect(page.locator("#notice")).to_contain_text("已复核通过并生效")
    with _db(server) as session:
        item = session.get(ReviewItemRow, item_id)
        assert item is not None and item.status == "overturned"
        term = session.scalar(select(LexiconTermRow).where(LexiconTermRow.term == "举报诈骗电话"))
        assert term is not None and term.category == "allow" and term.active
    examples = httpx.get(f"{server.url}/v1/review/training-examples",
                         headers=_auth(AUDRA)).json()  # fmt: skip
    mine = [e for e in examples if e["review_item_id"] == item_id]
    assert [(e["label"], e["refused_as"]) for e in mine] == [("benign", "safety.illegal")]
    assert PERSONAL["name"] not in mine[0]["text"]
    # a live overturn can be withdrawn: the allow-list term goes again
    page.select_option("#p-status", "live")
    page.click("#p-apply")
    page.locator(f"#proposals tbody tr[data-id='{pid}'] button.withdraw-proposal").click()
    expect(page.locator("#notice")).to_contain_text("已撤回")
    with _db(server) as session:
        term = session.scalar(select(LexiconTermRow).where(LexiconTermRow.term == "举报诈骗电话"))
        assert term is not None and not term.active


def test_conflicting_claim_shows_conflict(page: Any, server: LiveServer) -> None:
    item_id = ask_flagged(server, "KC1")
    logged_in(page, ALICE, "alice（审核员）")
    filter_kiosk(page, "KC1")
    open_item(page, item_id)
    taken = httpx.post(f"{server.url}/v1/review/items/{item_id}/claim", headers=_auth(BOB))
    assert taken.status_code == 200
    page.click("#act-claim")
    expect(page.locator("#error")).to_contain_text("操作冲突")
    expect(page.locator("#error")).to_contain_text("其他审核员")
    expect(page.locator("#d-claimed")).to_have_text("bob")  # the page refreshed the item
    page.click("#act-approve")
    expect(page.locator("#error")).to_contain_text("操作冲突")
    with _db(server) as session:
        row = session.get(ReviewItemRow, item_id)
        assert row is not None and (row.status, row.claimed_by) == ("claimed", "bob")
        assert _trail(session, item_id) == [("bob", "review.claim")]


def test_auditor_reads_only(page: Any, server: LiveServer) -> None:
    item_id = ask_flagged(server, "KA1")
    logged_in(page, AUDRA, "audra（审计员）")
    filter_kiosk(page, "KA1")
    open_item(page, item_id)
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator("#act-claim")).to_be_disabled()
    expect(page.locator("#act-correct")).to_be_disabled()
    page.click("#tab-lexicon")
    expect(page.locator("#term-add")).to_be_disabled()
    expect(page.locator("#lexicon tbody tr").first.locator("button")).to_be_disabled()


def test_token_that_loses_its_rights_gets_403_then_401(page: Any, server: LiveServer) -> None:
    item_id = ask_flagged(server, "KR1")
    logged_in(page, ALICE, "alice（审核员）")
    filter_kiosk(page, "KR1")
    open_item(page, item_id)
    # the administrator re-issues the token as an auditor's: the next decision is refused
    page.evaluate(f"sessionStorage.setItem('daoban.reviewToken', '{AUDRA}')")
    page.click("#act-claim")
    expect(page.locator("#error")).to_contain_text("当前令牌的角色无权执行此操作")
    # the token is revoked: the page returns to the login form and says why
    page.evaluate("sessionStorage.setItem('daoban.reviewToken', 'revoked-token-0000000000')")
    page.click("#f-apply")
    expect(page.locator("#login-error")).to_contain_text("访问令牌无效或已失效")
    expect(page.locator("#workspace")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('daoban.reviewToken')") is None
    with _db(server) as session:
        row = session.get(ReviewItemRow, item_id)
        assert row is not None and row.status == "pending" and row.claimed_by is None
        assert _trail(session, item_id) == []


def test_reviewer_adds_and_removes_a_lexicon_term(page: Any, server: LiveServer) -> None:
    question = "能不能找黑中介办户口迁入"
    assert not httpx.post(f"{server.url}/v1/ask", json={"question": question}).json()["refused"]
    logged_in(page, ALICE, "alice（审核员）")
    page.click("#tab-lexicon")
    expect(page.locator("#lexicon tbody tr").first).to_be_visible()
    page.fill("#term", "黑中介")
    page.select_option("#term-category", "illegal")
    page.click("#term-add")
    expect(page.locator("#notice")).to_contain_text("已添加词条“黑中介”")
    page.fill("#lex-search", "黑中介")
    row = page.locator("#lexicon tbody tr[data-term='黑中介'][data-category='illegal']")
    expect(row).to_contain_text("审核员添加")
    after = httpx.post(f"{server.url}/v1/ask", json={"question": question}).json()
    assert after["refused"] and after["reason_code"] == "safety.illegal"
    row.locator("button.remove").click()
    expect(page.locator("#notice")).to_contain_text("已移除词条“黑中介”")
    expect(row).to_have_count(0)
    assert not httpx.post(f"{server.url}/v1/ask", json={"question": question}).json()["refused"]
    with _db(server) as session:
        term = session.scalar(select(LexiconTermRow).where(LexiconTermRow.term == "黑中介"))
        assert term is not None and not term.active and term.changed_by == "alice"
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.target == "term:illegal").order_by(AuditRow.id)
        ).all()
        assert actions == ["lexicon.add", "lexicon.remove"]


def _leaks(text: str) -> list[str]:
    return [key for key, value in PERSONAL.items() if value in text]


def test_page_never_shows_personal_data(page: Any, server: LiveServer, tmp_path: Path) -> None:
    ids = [
        ask_flagged(server, "KP1"),
        ask_flagged(
            server, "KP1", f"居住证能走内部渠道吗，手机{PERSONAL['mobile']}，我叫{PERSONAL['name']}"
        ),
        queue_ungrounded(server, "KP1"),
    ]
    logged_in(page, ALICE, "alice（审核员）")
    filter_kiosk(page, "KP1")
    expect(page.locator("#queue tbody tr")).to_have_count(3)
    listing = page.inner_text("#queue")
    assert _leaks(listing) == []
    assert "[身份证号]" in listing and "[电话]" in listing and "[银行卡号]" in listing
    for item_id in ids:
        open_item(page, item_id)
        assert _leaks(page.inner_text("body")) == [], item_id
        assert _leaks(page.content()) == [], item_id
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    assert _leaks(server.log()) == []
    with _db(server) as session:
        stored = [
            f"{r.question} {r.answer} {r.correction}"
            for r in session.scalars(select(ReviewItemRow))
        ]
        assert _leaks(" ".join(stored)) == []
