"""The editor workbench (``/editor``) and the statistics page (``/stats``) in real Chromium.

The app runs under uvicorn in a subprocess on a temporary SQLite file (``conftest``). The
editor page is driven end to end: an editor edits a matter, previews the kiosk's answer and
submits; a publisher (another person) publishes; a citizen's ``POST /v1/ask`` sees the change
without a restart; then roll back and retire. The statistics page draws its ECharts charts from
a seeded day of traffic. Both pages are captured under ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from assistant.database import create_db_engine, make_sessionmaker
from assistant.stats.recorder import StatsRecorder, UsageEvent, UsageEventKind
from evals.bench.http import stop_service
from tests.browser.conftest import CHROMIUM, LiveServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

expect: Any = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]'").expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EDITOR, OTHER_EDITOR, PUBLISHER, ADMIN = (
    "editor-token-browser-01",
    "editor-token-browser-02",
    "publisher-token-browser",
    "admin-token-browser-01",
)
GRANTS = [
    {"token": EDITOR, "role": "editor", "name": "alice"},
    {"token": OTHER_EDITOR, "role": "editor", "name": "erin"},
    {"token": PUBLISHER, "role": "publisher", "name": "bob"},
    {"token": ADMIN, "role": "admin", "name": "carol"},
]
NEW_CONDITION = "浏览器测试新增条件：须本人到场采集人像"
QUESTION = "补办身份证的办理条件是什么？"
SEEDED_DAY = date(2026, 11, 20)
SLOW_MS = 90_000
"""Wait for steps that rebuild an index (preview, publish) on a busy machine."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # the pages, not retrieval quality, are under test: lexical channels start faster
    process, live = start_server(
        tmp_path_factory.mktemp("backoffice-pages"),
        GRANTS,
        {"DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL": "false"},
    )
    try:
        yield live
    finally:
        stop_service(process)


FONTS_CONF = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{folder}</dir>
<cachedir>{cache}</cachedir></fontconfig>"""


@pytest.fixture(scope="module")
def cjk_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian chromium that also sees Noto Sans CJK (PyPI ``noto-cjk-sans-otc``, a test
    dependency), so the screenshots show Chinese on machines without CJK system fonts."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]'")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"chromium not found at {CHROMIUM}")
    env = dict(os.environ)
    try:
        import noto_cjk_sans_otc  # type: ignore[import-untyped]

        folder = tmp_path_factory.mktemp("fonts")
        conf = folder / "fonts.conf"
        conf.write_text(
            FONTS_CONF.format(folder=Path(noto_cjk_sans_otc.FONT_PATH).parent, cache=folder),
            encoding="utf-8",
        )
        env["FONTCONFIG_FILE"] = str(conf)
    except ImportError:
        pass  # system fonts only
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"], env=env
        )
        yield launched
        launched.close()


@pytest.fixture
def open_page(cjk_browser: Any, server: LiveServer) -> Iterator[Any]:
    """Opens pages in fresh contexts; fails the test on any script error or CSP refusal."""
    contexts: list[Any] = []
    problems: list[str] = []

    def opener(path: str, token: str) -> Any:
        context = cjk_browser.new_context(
            base_url=server.url, locale="zh-CN", viewport={"width": 1400, "height": 1000}
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.goto(path)
        page.fill("#token", token)
        page.click("#login-btn")
        expect(page.locator("#workspace")).to_be_visible()
        return page

    yield opener
    for context in contexts:
        context.close()
    assert problems == []


def style_of(page: Any, selector: str, prop: str) -> str:
    """The computed CSS ``prop`` of the first ``selector``: shows a style sheet was applied."""
    value: str = page.evaluate(
        "([s, p]) => getComputedStyle(document.querySelector(s)).getPropertyValue(p)",
        [selector, prop],
    )
    return value


def ask(server: LiveServer, question: str) -> str:
    reply = httpx.post(f"{server.url}/v1/ask", json={"question": question}, timeout=30)
    assert reply.status_code == 200
    text: str = reply.json()["answer"]["screen_text"]
    return text


def open_matter(page: Any, code: str) -> None:
    page.fill("#f-q", code)
    page.click("#f-apply")
    page.locator(f"#catalogue button[data-code='{code}']").click()
    expect(page.locator("#d-title")).to_contain_text(code)


def test_editor_edit_preview_submit_publish_rollback_retire(
    open_page: Any, server: LiveServer
) -> None:
    assert NEW_CONDITION not in ask(server, QUESTION)
    editor = open_page("/editor", EDITOR)
    expect(editor.locator("#catalogue-count")).to_contain_text("个事项")
    open_matter(editor, "HJ-0004")
    assert style_of(editor, ".bar", "border-bottom-style") == "solid"  # shared backoffice.css
    assert style_of(editor, ".form-grid", "display") == "grid"  # the page's editor.css
    conditions = editor.locator("textarea[name=conditions]")
    conditions.fill(conditions.input_value() + "\n" + NEW_CONDITION)
    editor.click("#save-btn")
    expect(editor.locator("#notice")).to_contain_text("草稿已保存")
    expect(editor.locator("#d-state")).to_have_text("编辑中")
    editor.click("#preview-btn")
    box = editor.locator("#preview-list div[data-aspect=conditions]")
    # the preview indexes the catalogue with the draft (seconds on a busy machine)
    expect(box.locator(".screen")).to_contain_text(NEW_CONDITION, timeout=SLOW_MS)
    expect(box.locator(".spoken")).to_contain_text("语音")
    editor.click("#submit-btn")
    expect(editor.locator("#d-state")).to_have_text("待发布")
    editor.click("#preview-btn")
    expect(editor.locator("#notice")).to_contain_text("预览已生成", timeout=SLOW_MS)
    expect(box.locator(".screen")).to_contain_text(NEW_CONDITION)
    expect(editor.locator("#publisher-actions")).to_be_hidden()  # an editor cannot publish
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    editor.screenshot(path=str(SCREENSHOTS / "editor.png"), full_page=True)
    assert NEW_CONDITION not in ask(server, QUESTION)  # not live before a publisher publishes

    publisher = open_page("/editor", PUBLISHER)
    open_matter(publisher, "HJ-0004")
    publisher.click("#diff-btn")
    expect(publisher.locator("#diff-list")).to_contain_text(NEW_CONDITION)
    publisher.click("#publish-btn")
    expect(publisher.locator("#notice")).to_contain_text("已发布", timeout=SLOW_MS)
    expect(publisher.locator("#d-status")).to_contain_text("v2")
    assert NEW_CONDITION in ask(server, QUESTION)  # live without a restart

    # roll back to v1: another editor restores it, the publisher publishes it
    rollback = open_page("/editor", OTHER_EDITOR)
    open_matter(rollback, "HJ-0004")
    rollback.click("#history-btn")
    rollback.locator("#versions button[data-version='1']").click()
    expect(rollback.locator("#notice")).to_contain_text("v1")
    expect(rollback.locator("#d-state")).to_have_text("待发布")
    open_matter(publisher, "HJ-0004")
    publisher.click("#publish-btn")
    expect(publisher.locator("#d-status")).to_contain_text("v3", timeout=SLOW_MS)
    assert NEW_CONDITION not in ask(server, QUESTION)
    publisher.click("#history-btn")
    expect(publisher.locator("#audit")).to_contain_text("matter.rollback")

    # retire with a reason and a replacement
    publisher.fill("#retire-reason", "测试：并入其他事项")
    publisher.fill("#retire-replacement", "HJ-0001")
    publisher.click("#retire-btn")
    expect(publisher.locator("#d-status")).to_contain_text("已退出", timeout=SLOW_MS)
    gone = httpx.get(f"{server.url}/v1/matters/HJ-0004", timeout=10)
    assert gone.status_code == 404


def seed_traffic(server: LiveServer) -> None:
    """One day of kiosk traffic (a morning and an afternoon peak) into the server's database."""
    engine = create_db_engine(server.database_url)
    recorder = StatsRecorder(make_sessionmaker(engine))
    zone = ZoneInfo("Asia/Shanghai")
    shape = {8: 3, 9: 12, 10: 18, 11: 9, 13: 4, 14: 11, 15: 14, 16: 7, 18: 2}
    matters = ["HJ-0001", "HJ-0004", "SB-0001", "YB-0001", "HJ-0002"]
    events: list[UsageEvent] = []
    for hour, n in shape.items():
        at = datetime(2026, 11, 20, hour, 10, tzinfo=zone).astimezone(UTC)
        for i in range(n):
            kiosk = f"K{i % 3 + 1}"
            channel = "voice" if i % 3 == 0 else "keyboard"
            events.append(
                UsageEvent(
                    hour=at,
                    kind=UsageEventKind.ANSWER,
                    kiosk_id=kiosk,
                    matter_code=matters[(i * 7 + hour) % len(matters)],
                    channel=channel,
                )
            )
        events.append(
            UsageEvent(
                hour=at,
                kind=UsageEventKind.ABSTAIN,
                kiosk_id="K1",
                reason="not_found",
                channel="keyboard",
            )
        )
        if hour in (10, 15):
            events.append(
                UsageEvent(
                    hour=at,
                    kind=UsageEventKind.REFUSAL,
                    kiosk_id="K2",
                    reason="scope.eligibility",
                    channel="voice",
                )
            )
            events.append(
                UsageEvent(
                    hour=at,
                    kind=UsageEventKind.HELPFUL,
                    kiosk_id="K2",
                    matter_code="HJ-0001",
                    channel="voice",
                )
            )
    assert recorder.record(events)
    engine.dispose()


def test_statistics_page_draws_charts_from_a_seeded_day(open_page: Any, server: LiveServer) -> None:
    seed_traffic(server)
    page = open_page("/stats", ADMIN)
    page.fill("#p-start", SEEDED_DAY.isoformat())
    page.fill("#p-end", SEEDED_DAY.isoformat())
    page.click("#p-apply")
    day = SEEDED_DAY.isoformat()
    expect(page.locator("body")).to_have_attribute("data-loaded", f"start={day}&end={day}")
    expect(page.locator("#kpis")).to_contain_text("咨询总量")
    expect(page.locator("#matters tbody tr")).to_have_count(5)
    assert style_of(page, ".bar", "border-bottom-style") == "solid"  # shared backoffice.css
    assert style_of(page, ".chart", "height") == "320px"  # the page's stats.css
    hourly = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-hourly'))"
        ".getOption().series[0].data"
    )
    assert hourly is not None, page.evaluate(
        "JSON.stringify(echarts.getInstanceByDom(document.getElementById('chart-hourly'))"
        ".getOption().series)"
    )
    assert hourly[10] == 18 + 1 + 1 and hourly[9] == 12 + 1 and hourly[12] == 0
    assert len(hourly) == 24
    matters = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-matters'))"
        ".getOption().series[0].data"
    )
    assert sum(matters) == 80
    for chart in ("matters", "hourly", "usage", "kiosks", "reasons", "channels"):
        expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1)
    expect(page.locator("#chart-reasons")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "stats.png"), full_page=True)
