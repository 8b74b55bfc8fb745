"""Evaluation run pages: targets, failing items escaped, change since the previous run."""

from __future__ import annotations

from pathlib import Path

from evals.reports.routing import routing_page, write_routing_report
from evals.reports.run_page import Chart, Metric, RunPage, Target, compare, write_run_page
from evals.runners.routing import RoutingMiss, RoutingReport, RoutingScores


def report(top1: float, misses: int) -> RoutingReport:
    scores = RoutingScores(count=20, top1=top1, top3=0.97, mrr=0.9, refusal_rate=0.0)
    return RoutingReport(
        set_name="样例问题",
        overall=scores,
        by_category={"口语": scores, "书面": scores},
        latency_p50_ms=3.0,
        latency_p95_ms=9.0,
        misses=[
            RoutingMiss(
                question="<b>身份证丢了</b> [身份证号]",
                expected="HJ-0004",
                got=["HJ-0001"],
                category="口语",
                outcome="wrong",
                rank=2,
            )
            for _ in range(misses)
        ],
    )


def test_second_run_shows_the_change_since_the_first(tmp_path: Path) -> None:
    write_routing_report(report(0.80, 4), tmp_path)
    first = (tmp_path / "routing.html").read_text(encoding="utf-8")
    assert "本目录中没有上次运行" in first
    write_routing_report(report(0.90, 2), tmp_path)
    second = (tmp_path / "routing.html").read_text(encoding="utf-8")
    assert "上次运行" in second and "+10.0%" in second
    assert "class='better'" in second
    assert "未达成" in second  # sample top-1 ≥ 95 % missed at 90 %
    assert "未通过的条目（2，已脱敏）" in second
    assert "&lt;b&gt;身份证丢了&lt;/b&gt;" in second and "<b>身份证丢了" not in second
    assert "data:image/png;base64," in second
    assert (tmp_path / "routing.json").exists() and (tmp_path / "routing.run.json").exists()


def test_targets_and_direction_of_change() -> None:
    page = routing_page(report(0.96, 0))
    assert [t.met for t in page.targets] == [True, True]
    before = RunPage(
        title="x", kind="k", metrics=[Metric(name="abstain", value=0.2, higher_is_better=False)]
    )
    after = RunPage(
        title="x", kind="k", metrics=[Metric(name="abstain", value=0.1, higher_is_better=False)]
    )
    (change,) = compare(after, before)
    assert change.better is True and round(change.change or 0, 3) == -0.1


def test_runs_of_another_kind_are_not_compared(tmp_path: Path) -> None:
    write_run_page(
        RunPage(title="a", kind="pii", metrics=[Metric(name="m", value=0.5)]), tmp_path, "eval"
    )
    page = RunPage(
        title="b",
        kind="routing",
        metrics=[Metric(name="m", value=0.7)],
        targets=[Target(name="m", value=0.7, bound="≥ 90 %", met=False)],
        charts=[Chart(title="各类召回率", labels=["身份证号", "手机号"], values=[0.9, 1.0])],
    )
    html = write_run_page(page, tmp_path, "eval").read_text(encoding="utf-8")
    assert "本目录中没有上次运行" in html and "目标（达成 0 / 1）" in html
