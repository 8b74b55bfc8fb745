"""Reason codes of rail verdicts and their mapping to TC260-003 (5 classes, 31 risks).

Counters, the review queue and the safety report all speak these codes; the mapping lives in
``policies/tc260.yaml`` so an evaluator can report against 《生成式人工智能服务安全基本要求》.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from daoban.yaml_text import load_yaml

TC260_PATH = Path(__file__).parent / "policies" / "tc260.yaml"


class ReasonCode(StrEnum):
    """Why a rail refused, redacted, replaced or flagged."""

    POLITICAL = "safety.political"
    VIOLENCE_TERROR = "safety.violence_terror"
    PORN = "safety.porn"
    ILLEGAL = "safety.illegal"
    DISCRIMINATION = "safety.discrimination"
    RIGHTS = "safety.rights"
    MISLEADING = "safety.misleading"
    INJECTION = "injection"
    PII = "pii"
    IDENTITY_AUTH = "scope.identity_auth"
    ELIGIBILITY = "scope.eligibility"
    FINAL_DECISION = "scope.final_decision"
    OFF_TOPIC = "scope.off_topic"
    PII_LEAK = "output.pii_leak"
    UNGROUNDED = "output.ungrounded"
    OFFICIAL_WORDING = "output.official_wording"
    REVIEW_REFUSAL = "review.refusal"
    """A refusal sent to reviewers: the text also matched a matter strongly, or was sampled."""
    REVIEW_STALE = "review.stale_correction"
    """A live correction whose matter got a new version, back for review."""


class Tc260Map(BaseModel):
    """TC260-003 Appendix A: class and risk titles, and the risks each reason code covers."""

    model_config = ConfigDict(frozen=True)

    classes: dict[str, str]
    risks: dict[str, str]
    reason_codes: dict[str, list[str]]

    def classes_of(self, reason_code: str) -> list[str]:
        """The TC260 classes (``A.1`` … ``A.5``) a reason code falls under, sorted."""
        risks = self.reason_codes.get(reason_code, [])
        return sorted({risk.rsplit(".", 1)[0] for risk in risks})


def load_tc260(path: Path = TC260_PATH) -> Tc260Map:
    """Read the TC260 mapping file."""
    return Tc260Map.model_validate(load_yaml(path.read_text(encoding="utf-8")))
