"""Policy file and TC260-003 mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.errors import PolicyError
from guardrails.policy_config import load_policy
from guardrails.reasons import ReasonCode, load_tc260


def test_bundled_policy_loads() -> None:
    policy = load_policy()
    assert policy.input.rails[0] == "normalize" and "pii" in policy.input.rails
    assert policy.output.rails[-1] == "label"
    for code in ReasonCode:
        if code.value.startswith(("scope.", "safety.")) or code.value == "injection":
            assert "{hotline}" in policy.messages[code.value] or code.value.startswith("safety.")


def test_invalid_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: x\ninput: {rails: [nope]}\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        load_policy(path)


def test_tc260_covers_5_classes_31_risks_and_every_reason() -> None:
    tc260 = load_tc260()
    assert len(tc260.classes) == 5 and len(tc260.risks) == 31
    for code in ReasonCode:
        assert tc260.classes_of(code.value), code
    mapped = {risk for risks in tc260.reason_codes.values() for risk in risks}
    assert mapped <= set(tc260.risks)


def _policy_with(tmp_path: Path, homophone_yaml: str) -> Path:
    import yaml

    from guardrails.policy_config import DEFAULT_POLICY_PATH

    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["lexicon"]["homophone"] = yaml.safe_load(homophone_yaml)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_homophone_rules_come_from_the_policy(tmp_path: Path) -> None:
    from guardrails.policy import build_guardrails
    from guardrails.settings import GuardrailSettings
    from guardrails.tables import memory_sessionmaker

    on = build_guardrails(GuardrailSettings(), memory_sessionmaker())
    refusal = on.input.screen("哪里能买到兵毒").refusal
    assert refusal is not None and refusal.reason_code == "safety.illegal"
    assert on.stats.counters["lexicon.homophone/refuse"] == 1
    off_path = _policy_with(tmp_path, "{enabled: false}")
    off = build_guardrails(GuardrailSettings(policy_path=off_path), memory_sessionmaker())
    assert off.lexicon.current.homophones.enabled is False


def test_homophone_categories_must_be_known(tmp_path: Path) -> None:
    path = _policy_with(tmp_path, "{two_syllable_categories: [gossip]}")
    with pytest.raises(PolicyError):
        load_policy(path)


@pytest.mark.parametrize(
    ("inputs", "outputs"),
    [
        ("[normalize, injection, lexicon]", "[grounding, pii_leak, label]"),  # no pii
        ("[normalize, injection, pii, lexicon]", "[grounding, pii_leak, label]"),  # pii too late
        ("[normalize, pii, lexicon]", "[grounding, pii_leak]"),  # no label
        ("[normalize, pii, lexicon]", "[label, grounding, pii_leak]"),  # label not last
    ],
)
def test_policy_without_pii_first_or_label_last_is_refused(
    tmp_path: Path, inputs: str, outputs: str
) -> None:
    import yaml

    from guardrails.policy_config import DEFAULT_POLICY_PATH

    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["input"] = {"rails": yaml.safe_load(inputs)}
    data["output"] = {"rails": yaml.safe_load(outputs)}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError):
        load_policy(path)
