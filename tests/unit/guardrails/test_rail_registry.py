"""The rail registry: the policy's rail names resolve to factories; pii and label are required."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardrails.errors import PolicyError
from guardrails.policy_config import DEFAULT_POLICY_PATH, load_policy
from guardrails.rail_registry import RailRegistry, default_registry


def _policy_file(tmp_path: Path, inputs: list[str], outputs: list[str], **extra: object) -> Path:
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["input"] = {"rails": inputs}
    data["output"] = {"rails": outputs}
    data.update(extra)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_rail_of_the_bundled_policies_is_registered() -> None:
    registry = default_registry()
    policy = load_policy()
    assert set(policy.input.rails) <= set(registry.inputs)
    assert set(policy.output.rails) <= set(registry.outputs)
    assert registry.required_inputs == ("pii",)
    assert registry.required_outputs == ("label",)


def test_unknown_rail_name_is_refused_with_its_name(tmp_path: Path) -> None:
    path = _policy_file(tmp_path, ["normalize", "pii", "telepathy"], ["grounding", "label"])
    with pytest.raises(PolicyError, match="telepathy"):
        load_policy(path)


@pytest.mark.parametrize(
    ("inputs", "outputs", "named"),
    [
        (["normalize", "injection"], ["grounding", "label"], "pii"),
        (["normalize", "pii"], ["grounding", "official"], "label"),
        (["normalize", "pii"], [], "label"),
    ],
)
def test_policy_without_pii_or_label_does_not_load(
    tmp_path: Path, inputs: list[str], outputs: list[str], named: str
) -> None:
    path = _policy_file(tmp_path, inputs, outputs)
    with pytest.raises(PolicyError, match=named):
        load_policy(path)


def test_a_registry_refuses_a_policy_that_lacks_its_required_rails() -> None:
    """The check holds for any registry, not only the schema's own validators."""
    policy = load_policy()
    shipped = default_registry()
    strict = RailRegistry(
        inputs=shipped.inputs, outputs=shipped.outputs, required_outputs=("label", "official")
    )
    strict.check(policy)  # the bundled policy runs both
    without_official = policy.model_copy(
        update={"output": policy.output.model_copy(update={"rails": ["grounding", "label"]})}
    )
    with pytest.raises(PolicyError, match="official"):
        strict.check(without_official)
    shipped.check(without_official)


def test_a_policy_loads_against_a_registry_it_fits(tmp_path: Path) -> None:
    """A deployment may register fewer rails: a policy naming only those loads."""
    shipped = default_registry()
    small = RailRegistry(
        inputs={k: shipped.inputs[k] for k in ("normalize", "pii", "lexicon")},
        outputs={k: shipped.outputs[k] for k in ("lexicon", "label")},
    )
    path = _policy_file(tmp_path, ["normalize", "pii", "lexicon"], ["lexicon", "label"])
    policy = load_policy(path, small)
    assert policy.input.rails == ["normalize", "pii", "lexicon"]
    with pytest.raises(PolicyError, match="grounding"):
        load_policy(_policy_file(tmp_path, ["pii"], ["grounding", "label"]), small)


def test_switched_off_topic_rail_is_left_out(tmp_path: Path) -> None:
    """A factory may leave its rail out (``topic.enabled: false``): the chain skips it."""
    from guardrails.policy import build_guardrails
    from guardrails.settings import GuardrailSettings
    from guardrails.tables import memory_sessionmaker

    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["topic"] = {**data["topic"], "enabled": False}
    path = tmp_path / "no_topic.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = GuardrailSettings(policy_path=path, topic_classifier=False, scope_classifier=False)
    guard = build_guardrails(settings, memory_sessionmaker())
    assert [rail.name for rail in guard.input.rails] == [
        name for name in data["input"]["rails"] if name != "topic"
    ]
    assert [rail.name for rail in guard.output.rails] == data["output"]["rails"]
