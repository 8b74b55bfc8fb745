"""The rail registry: rail name → factory, against which a policy file's rail lists resolve.

The policy file (``policies/*.yaml``) names its input and output rails in order; the registry
knows how to build each name from the shared parts (:class:`RailParts`: the policy's
messages, the personal-data analyzer, the lexicon, the classifiers' rails). A name the
registry does not know refuses the policy (:class:`~guardrails.errors.PolicyError`), and so
does a policy without the rails the standard requires: ``pii`` on input (GB/T 47483
§9.4.1 d) and ``label`` on output (§9.4.1 c). Only the rails a policy names are built.

Usage example::

    registry = default_registry()
    registry.check(policy)                     # PolicyError: unknown or missing rail
    inputs = registry.input_rails(policy, parts)   # [NormalizeRail, PiiRail, ...]
    outputs = registry.output_rails(policy, parts) # [..., LabelRail]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from guardrails.errors import PolicyError
from guardrails.rails.base import InputRail, OutputRail
from guardrails.rails.grounding import GroundingRail
from guardrails.rails.injection import InjectionRail
from guardrails.rails.intent import HarmfulIntent, IntentRail
from guardrails.rails.label import LabelRail
from guardrails.rails.lexicon import LexiconInputRail, LexiconOutputRail
from guardrails.rails.normalize import NormalizeRail
from guardrails.rails.official import OfficialWordingRail
from guardrails.rails.pii import PiiRail
from guardrails.rails.pii_leak import PiiLeakRail
from guardrails.rails.topic import TopicRail

if TYPE_CHECKING:
    from guardrails.folding import Folder
    from guardrails.models import PiiType
    from guardrails.pii.analyzer import PiiAnalyzer
    from guardrails.policy_config import PolicyConfig
    from guardrails.rails.injection import InjectionDetector
    from guardrails.rails.lexicon import LexiconHolder
    from guardrails.rails.scope import ScopeRail
    from guardrails.rails.topic import DomainVocabulary, MeaningCheck

REQUIRED_INPUT_RAILS = ("pii",)
"""Input rails every policy must run: personal data is redacted first (§9.4.1 d)."""
REQUIRED_OUTPUT_RAILS = ("label",)
"""Output rails every policy must run: every answer says "AI生成，仅供参考" (§9.4.1 c)."""


@dataclass(frozen=True)
class RailParts:
    """The shared pieces the rail factories build from (one set per guard).

    Attributes:
        policy: The validated policy file.
        hotline: The service hotline filled into messages (settings override the policy's).
        messages: Citizen-facing message per reason code, hotline filled in.
        folder: Character folding shared by the keyword rails.
        analyzer: The personal-data analyzer (input redaction and output leak check).
        placeholders: Placeholder per personal-data type.
        lexicon: The holder of the lexicon in force (swapped when reviewers change it).
        injection: The injected-instruction detector.
        meaning: The topic classifier's judgement lent to the keyword rails.
        scope: The scope rail (built with its classifiers by the composition).
        vocabulary: The government-service vocabulary of the topic gate.
    """

    policy: PolicyConfig
    hotline: str
    messages: Mapping[str, str]
    folder: Folder
    analyzer: PiiAnalyzer
    placeholders: Mapping[PiiType, str]
    lexicon: LexiconHolder
    injection: InjectionDetector
    meaning: MeaningCheck
    scope: ScopeRail
    vocabulary: DomainVocabulary

    @property
    def unavailable(self) -> str:
        """The safe message an output rail substitutes when no fallback is given."""
        return self.messages.get("output.unavailable", "")


InputFactory = Callable[[RailParts], InputRail | None]
"""Builds an input rail from the parts; None leaves it out (switched off by the policy)."""
OutputFactory = Callable[[RailParts], OutputRail]


@dataclass(frozen=True)
class RailRegistry:
    """Rail factories by name, and the rails every policy must name.

    Args:
        inputs: Factory per input rail name.
        outputs: Factory per output rail name.
        required_inputs: Input rails a policy may not leave out.
        required_outputs: Output rails a policy may not leave out.
    """

    inputs: Mapping[str, InputFactory]
    outputs: Mapping[str, OutputFactory]
    required_inputs: tuple[str, ...] = field(default=REQUIRED_INPUT_RAILS)
    required_outputs: tuple[str, ...] = field(default=REQUIRED_OUTPUT_RAILS)

    def check(self, policy: PolicyConfig) -> None:
        """Refuse a policy whose rails the registry cannot build or that lacks a required one.

        Raises:
            PolicyError: A rail name is unknown, or ``pii`` / ``label`` is missing; the
                message names the rail (policy files hold no personal data).
        """
        for stage, names, known, required in (
            ("input", policy.input.rails, self.inputs, self.required_inputs),
            ("output", policy.output.rails, self.outputs, self.required_outputs),
        ):
            unknown = [name for name in names if name not in known]
            if unknown:
                raise PolicyError(
                    f"内容安全策略无效：{stage}.rails 含未知的护栏 {unknown}"
                    f"（可用：{sorted(known)}）"
                )
            missing = [name for name in required if name not in names]
            if missing:
                raise PolicyError(f"内容安全策略无效：{stage}.rails 缺少必需的护栏 {missing}")

    def input_rails(self, policy: PolicyConfig, parts: RailParts) -> list[InputRail]:
        """The policy's input rails, in its order (rails switched off are left out).

        Raises:
            PolicyError: See :meth:`check`.
        """
        self.check(policy)
        built = (self.inputs[name](parts) for name in policy.input.rails)
        return [rail for rail in built if rail is not None]

    def output_rails(self, policy: PolicyConfig, parts: RailParts) -> list[OutputRail]:
        """The policy's output rails, in its order.

        Raises:
            PolicyError: See :meth:`check`.
        """
        self.check(policy)
        return [self.outputs[name](parts) for name in policy.output.rails]


def _lexicon_input(parts: RailParts) -> InputRail:
    lexicon = parts.policy.lexicon
    return LexiconInputRail(
        parts.lexicon, lexicon.categories, parts.messages, parts.meaning,
        lexicon.meaning_confirmed,
    )  # fmt: skip


def _topic(parts: RailParts) -> InputRail | None:
    topic = parts.policy.topic
    if not topic.enabled:
        return None
    return TopicRail(parts.vocabulary, parts.meaning, min_chars=topic.min_chars,
                     messages=parts.messages)  # fmt: skip


def _grounding(parts: RailParts) -> OutputRail:
    exempt = [*parts.policy.grounding.exempt_numbers, parts.hotline]
    return GroundingRail(exempt, parts.unavailable)


def default_registry() -> RailRegistry:
    """The rails daoban ships: seven input rails and five output rails."""
    inputs: dict[str, InputFactory] = {
        "normalize": lambda _parts: NormalizeRail(),
        "pii": lambda parts: PiiRail(parts.analyzer, parts.placeholders),
        "injection": lambda parts: InjectionRail(
            parts.injection, parts.messages.get("injection", "")
        ),
        "lexicon": _lexicon_input,
        "intent": lambda parts: IntentRail(
            HarmfulIntent(parts.folder), parts.messages, parts.meaning
        ),
        "scope": lambda parts: parts.scope,
        "topic": _topic,
    }
    outputs: dict[str, OutputFactory] = {
        "lexicon": lambda parts: LexiconOutputRail(parts.lexicon, parts.unavailable),
        "grounding": _grounding,
        "official": lambda parts: OfficialWordingRail(parts.policy.official_wording),
        "pii_leak": lambda parts: PiiLeakRail(parts.analyzer, parts.placeholders),
        "label": lambda _parts: LabelRail(),
    }
    return RailRegistry(inputs=inputs, outputs=outputs)
