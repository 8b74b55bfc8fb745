"""Grounding on typed facts (issue 9): figures of an answer against the cited matter's facts.

Also the output PII rail against official text: it redacts only what an answer adds, so no
matter text — the bundled samples and the real Guangdong catalogue
(``../shared/realdata/matters_guangdong.jsonl``, skipped when absent) — is ever corrupted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.generate.extractive import ExtractiveComposer
from assistant.grounding import grounding_text
from guardrails.facts import FactKind, extract_facts
from guardrails.models import Draft, Source
from guardrails.pii.redact import DEFAULT_PLACEHOLDERS
from guardrails.policy import Guardrails, build_guardrails
from guardrails.rails.base import OutputState
from guardrails.rails.grounding import GroundingRail
from guardrails.rails.pii_leak import PiiLeakRail
from guardrails.settings import GuardrailSettings
from guardrails.tables import memory_sessionmaker
from knowledge.models import Aspect
from tests.factories import published, sample_contents

REALDATA = Path(__file__).resolve().parents[3].parent / "shared" / "realdata"
GUANGDONG = REALDATA / "matters_guangdong.jsonl"
MATTER = (
    "居住证申领\n承诺办结时限：5个工作日\n法定办结时限：15个工作日\n收费：不收费\n"
    "申请材料：居民身份证 1份\n办理地点：区政务服务中心 周一至周五9:00-17:00\n"
    "咨询电话：020-83133333\n设定依据：《居住证暂行条例》第7条，2016年1月1日起施行"
)
SOURCE = Source(matter_code="M1", matter_name="居住证", section="time_limit")



@pytest.fixture(scope="module")
def guard() -> Guardrails:
    """The guard as built, not warmed: PII detection and output rails need no classifier."""
    return build_guardrails(GuardrailSettings(), memory_sessionmaker())

@pytest.fixture(scope="module")
def rail() -> GroundingRail:
    return GroundingRail(["12345"], "暂时无法回答")


def test_facts_are_typed_with_units() -> None:
    facts = extract_facts("承诺十五个工作日办结，工本费20元，2016年1月1日起，电话020-83133333")
    kinds = {(f.kind, f.value, f.unit) for f in facts}
    assert (FactKind.DURATION, "15", "工作日") in kinds
    assert (FactKind.MONEY, "20", "元") in kinds
    assert (FactKind.DATE, "2016-01-01", "") in kinds
    assert (FactKind.PHONE, "02083133333", "") in kinds


@pytest.mark.parametrize(
    "answer",
    ["承诺7个工作日办结", "收费27元", "7天内办好", "法定10个工作日", "2017年1月1日起施行",
     "工作时间8:30开始", "咨询电话020-83133334", "需要带3份身份证"],
)  # fmt: skip
def test_invented_figures_are_caught(rail: GroundingRail, answer: str) -> None:
    assert rail.ungrounded(answer, [MATTER]), answer


@pytest.mark.parametrize(
    "answer",
    ["承诺5个工作日办结，不收费", "法定十五个工作日", "免费办理", "工作时间9:00-17:00",
     "请拨打83133333或12345", "2016年起施行", "1. 带身份证\n2. 到窗口", "第3步：领证",
     "身份证1份", "依据条例第7条"],
)  # fmt: skip
def test_grounded_figures_pass(rail: GroundingRail, answer: str) -> None:
    assert not rail.ungrounded(answer, [MATTER]), answer


def test_a_seven_elsewhere_does_not_ground_seven_days(rail: GroundingRail) -> None:
    # The matter has a "7" (article 7) but promises 5 working days: the duration is checked.
    assert "7个工作日" in rail.ungrounded("承诺7个工作日", [MATTER])


def test_version_and_timestamps_are_not_grounding() -> None:
    content = next(c for c in sample_contents() if c.time_limit.promised_working_days)
    matter = published(content, version=27)
    text = grounding_text(matter)
    assert matter.code not in text and "27" not in numbers_of(text) - numbers_of(
        grounding_text(content)
    )
    days = content.time_limit.promised_working_days
    assert days is not None
    invented = Draft(screen_text=f"承诺{days + 2}个工作日办结", spoken_text="", sources=[SOURCE])
    rail = GroundingRail(["12345"], "暂时无法回答")
    assert rail.ungrounded(invented.screen_text, [text])


def numbers_of(text: str) -> set[str]:
    return {f.value for f in extract_facts(text)}


def test_invented_figure_is_replaced_by_the_fallback(guard: Guardrails) -> None:
    draft = Draft(screen_text="承诺7个工作日办结，收费27元", spoken_text="", sources=[SOURCE])
    fallback = Draft(screen_text="承诺5个工作日办结，不收费。", spoken_text="", sources=[SOURCE])
    answer = guard.output.check(draft, [MATTER], fallback)
    assert answer.replaced and answer.flagged
    assert "7个工作日" not in answer.screen_text and "27元" not in answer.screen_text


def test_every_sample_answer_is_grounded_in_its_matter(guard: Guardrails) -> None:
    composer = ExtractiveComposer()
    replaced = []
    for content in sample_contents():
        matter = published(content)
        source = grounding_text(matter)
        for aspect in Aspect:
            draft = composer.compose_now(matter, aspect)
            answer = guard.output.check(draft, [source], draft)
            if any(v.rail == "grounding" and v.decision != "allow" for v in answer.verdicts):
                replaced.append((content.code, aspect.value))
    assert replaced == []


def _official_texts_of_samples() -> list[str]:
    texts: list[str] = []
    for content in sample_contents():
        texts += [content.name, *content.conditions, *(m.name for m in content.materials)]
    return texts


def _assert_not_corrupted(guard: Guardrails, texts: list[str]) -> None:
    """An answer quoting the matter's own text keeps it whole through the pii_leak rail."""
    rail = PiiLeakRail(guard.pii.analyzer, DEFAULT_PLACEHOLDERS)
    corrupted = []
    for text in texts:
        state = OutputState(screen_text=text, spoken_text=text, grounding_texts=[text],
                            fallback=None)  # fmt: skip
        result = rail.check(state)
        if state.screen_text != text or state.spoken_text != text or result.decision != "allow":
            corrupted.append(text)
    assert corrupted == []


def test_output_pii_rail_never_corrupts_sample_text(guard: Guardrails) -> None:
    _assert_not_corrupted(guard, _official_texts_of_samples())


@pytest.mark.slow
@pytest.mark.skipif(not GUANGDONG.exists(), reason="../shared/realdata not present")
def test_output_pii_rail_never_corrupts_the_real_catalogue(guard: Guardrails) -> None:
    import json

    texts: list[str] = []
    for line in GUANGDONG.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts += [record.get("name") or "", record.get("conditions") or ""]
        texts += [m if isinstance(m, str) else json.dumps(m, ensure_ascii=False)
                  for m in record.get("materials") or []]  # fmt: skip
    _assert_not_corrupted(guard, [t for t in texts if t])


def test_personal_data_the_answer_adds_is_still_redacted(guard: Guardrails) -> None:
    source = "本人银行账户。经办人须携带身份证。咨询电话020-83133333"
    draft = Draft(screen_text=source + "。经办人王芳，电话1381 234 5678", spoken_text="",
                  sources=[SOURCE])  # fmt: skip
    rail = PiiLeakRail(guard.pii.analyzer, DEFAULT_PLACEHOLDERS)
    state = OutputState(screen_text=draft.screen_text, spoken_text="", grounding_texts=[source],
                        fallback=None)  # fmt: skip
    assert rail.check(state).decision == "redact" and state.flagged
    assert state.screen_text.startswith(source)
    assert "王芳" not in state.screen_text and "5678" not in state.screen_text


class _CountingAnalyzer:
    """The real analyzer, counting the texts it analyses."""

    def __init__(self, analyzer) -> None:
        self.analyzer = analyzer
        self.calls = 0

    def analyze(self, text: str):
        self.calls += 1
        return self.analyzer.analyze(text)


def test_a_repeated_answer_is_analysed_once_and_still_redacted(guard: Guardrails) -> None:
    counting = _CountingAnalyzer(guard.pii.analyzer)
    rail = PiiLeakRail(counting, DEFAULT_PLACEHOLDERS)  # type: ignore[arg-type]
    source = "咨询电话020-83133333"
    text = source + "。经办人王芳，电话1381 234 5678"
    for _ in range(3):
        state = OutputState(screen_text=text, spoken_text="", grounding_texts=[source],
                            fallback=None)  # fmt: skip
        assert rail.check(state).decision == "redact"
        assert "王芳" not in state.screen_text and "5678" not in state.screen_text
    assert counting.calls == 2  # the screen text once, the empty spoken text once
    # the cache holds digests and offsets, never the text or a value found in it
    held = repr(rail._spans.items())
    assert "王芳" not in held and "5678" not in held


def test_the_cache_can_be_turned_off(guard: Guardrails) -> None:
    counting = _CountingAnalyzer(guard.pii.analyzer)
    rail = PiiLeakRail(counting, DEFAULT_PLACEHOLDERS, cache_size=0)  # type: ignore[arg-type]
    for _ in range(2):
        rail.added("经办人王芳", [])
    assert counting.calls == 2
