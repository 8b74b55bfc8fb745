"""Configuration section of the guardrails package (``DAOBAN_GUARDRAILS__*``)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator

from guardrails.models import Principal, Role

_PLACEHOLDER_TOKENS = {"changethis", "changeme", "secret", "token"}


def principal_for_token(grants: Iterable[TokenGrant], token: str) -> Principal | None:
    """The holder of ``token`` among ``grants`` (constant-time comparisons), or None.

    Shared by the back-office API (Bearer tokens) and the CLI (``DAOBAN_CLI_TOKEN``).
    """
    presented = token.strip().encode()
    for grant in grants:
        if hmac.compare_digest(grant.token.get_secret_value().encode(), presented):
            return Principal(name=grant.name, role=grant.role)
    return None


class TokenGrant(BaseModel):
    """One API token of the reviewer API: the secret, the role it grants, who holds it."""

    token: SecretStr = Field(description="Bearer token; at least 16 characters")
    role: Role = Field(
        default=Role.REVIEWER,
        description="Role granted: reviewer, auditor, editor, publisher or admin",
    )
    name: str = Field(
        min_length=1, max_length=64, description="Holder recorded as 'who' in the audit log"
    )

    @field_validator("token")
    @classmethod
    def _refuse_placeholder(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret.lower() in _PLACEHOLDER_TOKENS or len(secret) < 16:
            raise ValueError(
                "guardrails.tokens[].token must be at least 16 characters and not a placeholder"
            )
        return value


class GuardrailSettings(BaseModel):
    """Content-safety settings (GB/T 47483 §9.4)."""

    policy_path: Path | None = Field(
        default=None, description="Policy YAML file; None for the bundled default policy"
    )
    extra_lexicon_path: Path | None = Field(
        default=None,
        description="Extra lexicon file (one 'category<TAB>term' per line) added to the "
        "bundled one",
    )
    tokens: list[TokenGrant] = Field(
        default_factory=list,
        description="Reviewer API tokens and their roles; empty means the reviewer API answers 401",
    )
    scope_classifier: bool = Field(
        default=True,
        description="Train the scope classifier (char n-grams) at warm-up; off means rules only",
    )
    topic_classifier: bool = Field(
        default=True,
        description="Train the topic classifier (harmful intent, out-of-scope) at warm-up; "
        "off means the vocabulary gate only",
    )
    topic_cache_dir: Path | None = Field(
        default=Path("var/cache/guardrails"),
        description="Where the topic classifier caches sentence vectors of its training texts "
        "and its fitted heads (keyed by data, encoder and model version); None: no disk cache",
    )
    train_on_public_sets: bool = Field(
        default=True,
        description="Train the topic classifier also on the MIT/Apache public safety dev halves "
        "(JADE-DB, JailBench, XSafety, CValues) when present; never MSGABench or BELLE",
    )
    public_sets_dir: Path | None = Field(
        default=None,
        description="Folder of the public dev sets; None: ../shared/evalsets/dev next to the repo",
    )
    hotline: str = Field(default="12345", description="Hotline named in refusal messages (§7.1 e)")
    refusal_review_sample_rate: float = Field(
        default=0.05, ge=0, le=1,
        description="Share of all refusals sent to the review queue (review.refusal) besides "
        "those whose text also matched a matter strongly (always sent)",
    )
    refusal_review_seed: int | None = Field(
        default=None, description="Seed of the refusal sampler (tests); None: random"
    )
