"""Types that cross the guardrails boundary (GB/T 47483—2026 §9.4).

The input guard turns citizen text into a :class:`ScreenedQuery` (normalized, personal data
redacted, verdicts attached); the composer produces a :class:`Draft`; the output guard turns
a draft into a :class:`GuardedAnswer` that always carries the label :data:`AI_LABEL`.

No model here ever holds personal data: :class:`PiiSpan` has the type and position of what was
found, never its value, and :class:`ScreenedQuery.text` is the redacted text.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AI_LABEL = "AI生成，仅供参考"
"""The label every generated answer carries on screen and in speech (§9.4.1 c)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Decision(StrEnum):
    """What a rail decided about a text."""

    ALLOW = "allow"
    REDACT = "redact"
    REFUSE = "refuse"
    FLAG = "flag"
    DECLINE = "decline"
    """Part of the text asks the kiosk to act (authenticate, approve, ...): that act is
    declined with the official channel while the rest of the question is answered."""


LexiconVia = Literal["exact", "pinyin", "initials", "homophone"]
"""How a lexicon term matched: as written (after folding), in Latin pinyin, as initials, or as
a sound-alike spelling in Chinese characters."""


class PiiType(StrEnum):
    """Kinds of personal data the guard detects (§9.4.1 d, §9.3.2)."""

    ID_NUMBER = "id_number"
    PHONE = "phone"
    BANK_CARD = "bank_card"
    EMAIL = "email"
    PASSPORT = "passport"
    TRAVEL_PERMIT = "travel_permit"
    SOCIAL_SECURITY = "social_security"
    PLATE = "plate"
    ADDRESS = "address"
    NAME = "name"


class PiiSpan(_Frozen):
    """A personal-data span, in characters of the text it was found in; never the value."""

    type: PiiType
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float = Field(default=1.0, ge=0, le=1)
    recognizer: str = ""


class ActKind(StrEnum):
    """What a citizen may ask the kiosk itself to do, which it never does (§9.4.1 e)."""

    AUTHENTICATE = "authenticate"
    ELIGIBILITY = "eligibility"
    APPROVE = "approve"
    CHANGE_RECORD = "change_record"
    GUARANTEE = "guarantee"
    RULE_ON_CASE = "rule_on_case"


class ActRequest(_Frozen):
    """A request that the kiosk act, found in citizen text.

    Its kind, the ``scope.*`` reason it is declined for, and its span in characters of the
    screened (redacted) text.
    """

    kind: ActKind
    reason_code: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class RailVerdict(_Frozen):
    """One rail's decision, after NeMo-Guardrails' ``ActivatedRail``.

    ``reason_code`` is machine-readable (``pii``, ``scope.eligibility``, ``safety.political``);
    ``message_zh`` is the polite Chinese message shown to the citizen on refusal.
    """

    stage: Literal["input", "output"]
    rail: str
    decision: Decision
    reason_code: str | None = None
    message_zh: str | None = None
    duration_ms: float = Field(default=0.0, ge=0)
    via: LexiconVia | None = Field(
        default=None,
        description="Lexicon rails: how the deciding term matched (homophone, pinyin, ...); "
        "never the text",
    )
    acts: list[ActRequest] = Field(
        default_factory=list, description="Scope rail: the requests to act it found (kind, span)"
    )
    harmless: bool = Field(
        default=False,
        description="Topic rail, scope.off_topic only: the meaning classifier put the text's "
        "harm below the policy's exonerate bar (topic.exonerate_harm), so the redirect is a "
        "judgement of topic alone, which the published catalogue may overrule",
    )


class ScreenedQuery(_Frozen):
    """Citizen text after the input rails.

    ``text`` is normalized and redacted (personal data replaced by placeholders such as
    ``[身份证号]``); ``pii`` spans are positions in the *original* text; ``refusal`` is the
    first verdict that refused, if any.
    """

    text: str
    pii: list[PiiSpan] = Field(default_factory=list)
    verdicts: list[RailVerdict] = Field(default_factory=list)
    refusal: RailVerdict | None = None
    declined: list[ActRequest] = Field(
        default_factory=list,
        description="Requests to act declined while the rest of the question is answered",
    )
    answerable_text: str | None = Field(
        default=None,
        description="``text`` without the declined requests (what to answer); None when "
        "nothing was declined",
    )

    @property
    def question_text(self) -> str:
        """What the assistant answers: ``answerable_text`` when acts were declined, else text."""
        return self.answerable_text if self.answerable_text is not None else self.text

    @property
    def refused(self) -> bool:
        """True when an input rail refused the text."""
        return self.refusal is not None


class Source(_Frozen):
    """A citation: the matter and the section of it an answer was drawn from."""

    matter_code: str
    matter_name: str
    section: str


class Draft(_Frozen):
    """A composed answer before the output rails: screen text, spoken text and citations."""

    screen_text: str
    spoken_text: str
    sources: list[Source] = Field(default_factory=list)
    composer: str = Field(default="extractive", description="Which composer wrote it")


class GuardedAnswer(_Frozen):
    """A draft after the output rails: labelled, checked, possibly replaced and flagged."""

    screen_text: str
    spoken_text: str
    label: str = AI_LABEL
    sources: list[Source] = Field(default_factory=list)
    verdicts: list[RailVerdict] = Field(default_factory=list)
    flagged: bool = False
    replaced: bool = False


class ReviewStatus(StrEnum):
    """Life cycle of a flagged turn in the review queue (§9.4.1 b)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    APPROVED = "approved"
    REJECTED = "rejected"
    CORRECTED = "corrected"
    PROPOSED = "proposed"
    """A correction or an overturned refusal waits for a second reviewer (four-eyes)."""
    OVERTURNED = "overturned"
    """A refusal a second reviewer agreed was wrong: allow-listed and kept as training data."""


class ProposalKind(StrEnum):
    """What a reviewer proposes on an item."""

    CORRECTION = "correction"
    """A corrected answer for a matter and aspect."""
    OVERTURN = "overturn"
    """The refusal was wrong: the question should have been answered."""


class ProposalStatus(StrEnum):
    """Life cycle of a proposal (four-eyes).

    proposed → live (a second reviewer approved) → superseded, withdrawn or stale (the matter
    got a new version: back to review); or proposed → rejected.
    """

    PROPOSED = "proposed"
    LIVE = "live"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    STALE = "stale"


class Proposal(_Frozen):
    """A reviewer's correction or overturn; it goes live only when another reviewer approves.

    ``version`` counts the corrections of one matter and aspect (1, 2, …); ``matter_version``
    is the matter's published version when it went live. Texts are redacted.
    """

    id: int
    kind: ProposalKind
    status: ProposalStatus
    review_item_id: int
    matter_code: str | None = None
    aspect: str | None = None
    version: int = 0
    text: str = ""
    allow_term: str | None = None
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    matter_version: int | None = None
    note: str = ""


class ProposalPage(_Frozen):
    """A page of proposals, newest first, with the total matching the filter."""

    data: list[Proposal]
    count: int


class TrainingExample(_Frozen):
    """A refused question two reviewers agreed should have been answered (redacted).

    Training data for the harm and topic classifiers: ``label`` is ``benign``, ``refused_as``
    the reason code it was refused with.
    """

    id: int
    text: str
    label: str
    refused_as: str
    review_item_id: int
    approved_by: str
    created_at: datetime


class Role(StrEnum):
    """Roles of the reviewer API; a token grants exactly one."""

    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    EDITOR = "editor"
    """Knowledge editor: drafts matters and submits them for publishing (§6.3)."""
    PUBLISHER = "publisher"
    """Publishes or sends back another person's drafts; retires matters (§6.4)."""
    ADMIN = "admin"
    """Operator: reads everything in the back office (statistics, audit, catalogue)."""


class Principal(_Frozen):
    """Who calls the reviewer API: the token holder's name and role (the audit's "who")."""

    name: str
    role: Role


class ReviewItem(_Frozen):
    """A flagged turn as reviewers see it; every text field is redacted before storage."""

    id: int
    status: ReviewStatus
    reason_codes: list[str]
    question: str
    answer: str
    sources: list[Source] = Field(default_factory=list)
    kiosk_id: str = ""
    matter_code: str | None = None
    aspect: str | None = None
    claimed_by: str | None = None
    decided_by: str | None = None
    correction: str | None = None
    created_at: datetime
    updated_at: datetime
    proposal_id: int | None = Field(
        default=None, description="The proposal a correct/overturn call just made (four-eyes)"
    )


class ReviewPage(_Frozen):
    """A page of review items, newest first, with the total matching the filter."""

    data: list[ReviewItem]
    count: int


class AuditEntry(_Frozen):
    """One audited decision (§9.3.3 b): who, when, what, on which object."""

    id: int
    actor: str
    role: str
    action: str
    target: str
    detail: str = ""
    at: datetime
    hash_before: str | None = None
    hash_after: str | None = None


class LexiconTerm(_Frozen):
    """A sensitive (or allowed) term with its category; ``source``: ``bundled``/``reviewer``."""

    term: str
    category: str
    source: str = "bundled"


class LexiconHit(_Frozen):
    """A lexicon match: the term, its category and how it matched (:data:`LexiconVia`)."""

    term: str
    category: str
    via: LexiconVia = "exact"


class GuardStatus(_Frozen):
    """What ``/health`` shows about the guard: policy version, sizes, fallbacks, counters."""

    available: bool
    policy_version: str
    input_rails: list[str]
    output_rails: list[str]
    lexicon_terms: int
    allow_terms: int
    scope_classifier: bool
    topic_classifier: bool = False
    review_store: str
    notes: list[str] = Field(default_factory=list)
    counters: dict[str, int] = Field(default_factory=dict)
