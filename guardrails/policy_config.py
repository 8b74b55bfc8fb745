"""Schema of the policy file (``policies/default.yaml``): rails, thresholds, messages.

A policy is data: operators change rails, thresholds and wording without touching code, and
the ``version`` is reported by ``/health`` and stamped on every review item.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from daoban.yaml_text import load_yaml
from guardrails.errors import PolicyError
from guardrails.models import PiiType

if TYPE_CHECKING:
    from guardrails.rail_registry import RailRegistry

DEFAULT_POLICY_PATH = Path(__file__).parent / "policies" / "default.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputSection(_Section):
    """Ordered input rails."""

    rails: list[str] = Field(
        description="Input rails in the order they run; names of the rail registry"
    )

    @model_validator(mode="after")
    def _pii_first(self) -> InputSection:
        """The ``pii`` rail runs before any rail that could refuse (§9.4.1 d).

        Only ``normalize`` may precede it: no later rail, log or store sees unredacted text.
        """
        if "pii" not in self.rails:
            raise ValueError("input.rails must contain the pii rail")
        if any(name != "normalize" for name in self.rails[: self.rails.index("pii")]):
            raise ValueError("only normalize may run before the pii rail")
        return self


class OutputSection(_Section):
    """Ordered output rails."""

    rails: list[str] = Field(
        description="Output rails in the order they run; names of the rail registry"
    )

    @model_validator(mode="after")
    def _label_last(self) -> OutputSection:
        """Every answer is labelled "AI生成，仅供参考" (§9.4.1 c): ``label`` is the last rail."""
        if not self.rails or self.rails[-1] != "label":
            raise ValueError("output.rails must end with the label rail")
        return self


class PiiSection(_Section):
    """Redaction threshold and placeholders."""

    threshold: float = Field(default=0.5, ge=0, le=1, description="Minimum recognizer score")
    placeholders: dict[PiiType, str] = Field(default_factory=dict)


class HomophoneSection(_Section):
    """Homophones written in characters (``兵毒`` for 冰毒); see ``lexicon.HomophoneRules``."""

    enabled: bool = True
    min_syllables: int = Field(default=3, ge=2)
    all_changed_min_syllables: int = Field(default=4, ge=2)
    common_chars: int = Field(default=200, ge=0)
    two_syllable_categories: list[str] = Field(default_factory=lambda: ["illegal", "porn"])


class LexiconSection(_Section):
    """Decision per sensitive category on input, and the homophone rules."""

    categories: dict[str, Literal["refuse", "flag"]]
    homophone: HomophoneSection = Field(default_factory=HomophoneSection)
    meaning_confirmed: list[str] = Field(
        default_factory=list,
        description="Categories whose words also have legitimate government uses: a hit "
        "refuses only when the topic classifier does not read the text as benign guidance",
    )

    @model_validator(mode="after")
    def _known_homophone_categories(self) -> LexiconSection:
        unknown = set(self.homophone.two_syllable_categories) - set(self.categories)
        if unknown:
            raise ValueError(f"lexicon.homophone names unknown categories {sorted(unknown)}")
        return self


class ScopeSection(_Section):
    """How scope (§9.4.1 e) decides: rules, the classifier, or either."""

    mode: Literal["rules", "classifier", "both"] = "both"
    classifier_threshold: float = Field(default=0.6, ge=0, le=1)
    act_threshold: float = Field(
        default=0.5, ge=0, le=1,
        description="Probability of an act kind from which the act classifier declines it",
    )


class TopicSection(_Section):
    """The harmful-intent check and out-of-scope gate (``rails/topic.py``)."""

    enabled: bool = True
    min_chars: int = Field(default=2, ge=0)
    harm_threshold: float = Field(default=0.6, ge=0, le=1)
    guidance_threshold: float = Field(default=0.5, ge=0, le=1)
    calibrate: bool = Field(
        default=True,
        description="Use thresholds calibrated on the held-out fifth of the training data",
    )
    max_false_harm: float = Field(default=0.01, ge=0, le=1)
    min_guidance_recall: float = Field(default=0.99, ge=0, le=1)
    exonerate_harm: float = Field(
        default=0.3, ge=0, le=1,
        description="Below this harm, a guidance-like text is not refused for a keyword alone",
    )


class GroundingSection(_Section):
    """Numbers always allowed in answers (official hotlines)."""

    exempt_numbers: list[str] = Field(default_factory=list)


class PolicyConfig(_Section):
    """A whole policy file."""

    version: str
    hotline: str = "12345"
    input: InputSection
    output: OutputSection
    pii: PiiSection = Field(default_factory=PiiSection)
    lexicon: LexiconSection
    scope: ScopeSection = Field(default_factory=ScopeSection)
    topic: TopicSection = Field(default_factory=TopicSection)
    grounding: GroundingSection = Field(default_factory=GroundingSection)
    messages: dict[str, str]
    official_wording: list[str] = Field(default_factory=list)

    def message(self, reason_code: str, hotline: str | None = None) -> str:
        """The citizen-facing message of a reason code, with the hotline filled in."""
        template = self.messages.get(reason_code) or self.messages.get("output.unavailable", "")
        return template.format(hotline=hotline or self.hotline)


def load_policy(path: Path | None = None, registry: RailRegistry | None = None) -> PolicyConfig:
    """Read and validate a policy file (the bundled default when ``path`` is None).

    Its rail lists are checked against ``registry`` (the shipped
    :func:`~guardrails.rail_registry.default_registry` when None): every name must be a
    registered rail, and the ``pii`` input rail (first, after ``normalize`` only) and the
    ``label`` output rail (last) must be there (GB/T 47483 §9.4.1 c, d).

    Raises:
        PolicyError: The file is missing, not YAML, does not match the schema, names a rail
            the registry does not know or lacks ``pii`` / ``label``; the message says which
            field (never a value from the file).
    """
    from guardrails.rail_registry import default_registry

    target = path or DEFAULT_POLICY_PATH
    try:
        policy = PolicyConfig.model_validate(load_yaml(target.read_text(encoding="utf-8")))
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
        raise PolicyError(f"内容安全策略文件无效：{target.name}（{reasons}）") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"内容安全策略文件无效：{target.name}") from exc
    (registry or default_registry()).check(policy)
    return policy
