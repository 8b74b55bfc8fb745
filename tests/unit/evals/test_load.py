"""The load test's scenario file and its loopback guard."""

from __future__ import annotations

import pytest

from evals.bench.load import LoadOptions, read_dialogues, require_loopback


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
