"""The load test's scenario file and its loopback guard."""

from __future__ import annotations

import pytest
from aiohttp import web

from evals.bench.load import (
    CLIENT_KEEPALIVE_S,
    LoadOptions,
    _run,
    _TreeMemory,
    read_dialogues,
    require_loopback,
)


def test_dialogues_open_with_a_question_and_hold_follow_ups() -> None:
    dialogues = read_dialogues()
    assert len(dialogues) >= 10
    assert all(len(d) >= 2 for d in dialogues)


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", "http://example.org", "http://0.0.0.0:80"])
def test_only_loopback_urls_are_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        require_loopback(url)


def test_loopback_urls_pass() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:8000"):
        require_loopback(url)


def test_the_window_is_bounded_to_three_minutes() -> None:
    with pytest.raises(ValueError):
        LoadOptions(seconds=181)


async def test_the_kiosks_count_requests_errors_and_kept_follow_ups() -> None:
    """The simulated kiosks against a small loopback service: counts, errors, CPU reported."""
    sessions: dict[str, str] = {}

    async def ask(request: web.Request) -> web.Response:
        turn = await request.json()
        question, session = turn["question"], turn["session_id"]
        assert turn["kiosk_id"].startswith("load-")
        if question == "坏":
            return web.json_response({"code": "x"}, status=503)
        if question == "换":  # a follow-up answered about another matter
            return web.json_response({"sources": [{"matter_code": "OTHER"}]})
        matter = sessions.setdefault(session, f"M-{len(sessions)}")
        return web.json_response({"sources": [{"matter_code": matter}], "routes": []})

    app = web.Application()
    app.router.add_post("/v1/ask", ask)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}"
        options = LoadOptions(kiosks=3, seconds=1.0, warmup_s=0.2, url=url)
        dialogues = [["问", "那要多久", "换"], ["坏", "那要多久"]]
        tally, window = await _run(options, url, _TreeMemory(None), dialogues)
    finally:
        await runner.cleanup()
    assert len(tally.latencies) > 10
    assert set(tally.errors) == {"http_503"}
    # the first dialogue's two follow-ups: one stays on the matter, one moves (a kiosk may be
    # stopped by the deadline between the two); the second's first turn failed: not counted
    assert tally.kept > 0 and abs(2 * tally.kept - tally.follow_ups) <= options.kiosks
    assert window.service_cpu_s is None and window.client_cpu_s > 0
    assert window.elapsed_s >= 1.0


async def test_a_connection_idle_past_the_client_keepalive_is_not_reused() -> None:
    """After a think time longer than CLIENT_KEEPALIVE_S a kiosk opens a new connection: it
    never reuses one the service may be closing (gunicorn's keep-alive is 2 s)."""
    peers: list[object] = []

    async def ask(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"sources": [{"matter_code": "M-1"}]})

    app = web.Application()
    app.router.add_post("/v1/ask", ask)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        think = LoadOptions(kiosks=1, seconds=2.0, warmup_s=0, url=url,
                            think_ms=(CLIENT_KEEPALIVE_S + 0.3) * 1000)
        await _run(think, url, _TreeMemory(None), [["问", "那要多久"]])
        assert len(peers) >= 2 and len(set(peers)) == len(peers)
        peers.clear()
        back_to_back = LoadOptions(kiosks=1, seconds=0.5, warmup_s=0, url=url)
        await _run(back_to_back, url, _TreeMemory(None), [["问", "那要多久"]])
        assert len(peers) > 2 and len(set(peers)) == 1
    finally:
        await runner.cleanup()
