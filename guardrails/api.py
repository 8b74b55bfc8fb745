"""Reviewer API (GB/T 47483 §9.4.1 b): the review queue and the sensitive lexicon.

Every route needs a bearer token from ``settings.guardrails.tokens``: no or unknown token →
401, a token whose role may not do this → 403. Reviewers decide; auditors only read. Every
decision and lexicon change is audited (§9.3.3 b), and so are reads of review items,
proposals and the audit log itself, and every failed login on any back-office route
(``auth.failed``, actor ``anonymous``: the presented token is never stored).
"""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from daoban.routes import route_label
from guardrails.audit import ANONYMOUS, AuditLog
from guardrails.errors import (
    AuditUnavailableError,
    AuthenticationRequiredError,
    ForbiddenRoleError,
    GuardrailsError,
)
from guardrails.models import (
    AuditEntry,
    GuardStatus,
    LexiconTerm,
    Principal,
    Proposal,
    ProposalKind,
    ProposalPage,
    ProposalStatus,
    ReviewItem,
    ReviewPage,
    ReviewStatus,
    Role,
    TrainingExample,
)
from guardrails.policy import Guardrails
from guardrails.reasons import Tc260Map
from guardrails.review import ReviewQueue
from guardrails.services import GuardStatistics, LexiconService
from guardrails.settings import GuardrailSettings, principal_for_token

router = APIRouter(prefix="/v1", tags=["review"])

MAX_ROW_ID = 2**31 - 1  # PostgreSQL integer; larger ids gave a 500 (issue 12)
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id (1 … 2³¹−1)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="Rows to skip")]


def get_guardrails(request: Request) -> Guardrails:
    """The guard built by the app's lifespan (``state.guardrails`` or ``state.runtime``)."""
    guard = getattr(request.state, "guardrails", None)
    if guard is None:
        guard = getattr(getattr(request.state, "runtime", None), "guardrails", None)
    if not isinstance(guard, Guardrails):
        raise GuardrailsError("内容安全服务未就绪")
    return guard


GuardDep = Annotated[Guardrails, Depends(get_guardrails)]


def get_settings(guard: GuardDep) -> GuardrailSettings:
    """The guardrails settings (the reviewer tokens)."""
    return guard.settings


def get_review_queue(guard: GuardDep) -> ReviewQueue:
    """The review queue: items, decisions and four-eyes proposals."""
    return guard.review


def get_audit_log(guard: GuardDep) -> AuditLog:
    """The audit log of reviewers' decisions and reads (§9.3.3 b)."""
    return guard.audit


def get_lexicon(guard: GuardDep) -> LexiconService:
    """The lexicon in force and the reviewers' changes to it."""
    return guard.lexicon


def get_statistics(guard: GuardDep) -> GuardStatistics:
    """The verdict counters (no text)."""
    return guard.stats


def get_tc260(guard: GuardDep) -> Tc260Map:
    """Reason codes → TC260-003 Appendix A classes."""
    return guard.tc260


SettingsDep = Annotated[GuardrailSettings, Depends(get_settings)]
QueueDep = Annotated[ReviewQueue, Depends(get_review_queue)]
AuditDep = Annotated[AuditLog, Depends(get_audit_log)]
LexiconDep = Annotated[LexiconService, Depends(get_lexicon)]
StatsDep = Annotated[GuardStatistics, Depends(get_statistics)]
Tc260Dep = Annotated[Tc260Map, Depends(get_tc260)]


def get_principal(request: Request, settings: SettingsDep, audit: AuditDep) -> Principal:
    """Who calls: the holder of the bearer token.

    A missing or unknown token is recorded in the audit log (``auth.failed``, target the
    route's path template, detail ``no token`` / ``unknown token``) before the 401.

    Raises:
        AuthenticationRequiredError: No ``Authorization: Bearer`` header or an unknown token.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        _failed_login(request, audit, "no token")
        raise AuthenticationRequiredError()
    principal = principal_for_token(settings.tokens, token)
    if principal is not None:
        request.state.principal = principal  # a 403 later on is audited with it
        return principal
    _failed_login(request, audit, "unknown token")
    raise AuthenticationRequiredError()


def _failed_login(request: Request, audit: AuditLog, why: str) -> None:
    """Audit a failed login: the route (its template, never ids or query) and why.

    When the audit log is down the caller still gets its 401 (the failure is logged).
    """
    with contextlib.suppress(AuditUnavailableError):
        audit.record(ANONYMOUS, "auth.failed", f"route:{route_label(request)}", why)


def require_reviewer(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """A reviewer (may decide and change the lexicon).

    Raises:
        ForbiddenRoleError: The token grants another role.
    """
    if principal.role is not Role.REVIEWER:
        raise ForbiddenRoleError()
    return principal


ReaderDep = Annotated[Principal, Depends(get_principal)]
ReviewerDep = Annotated[Principal, Depends(require_reviewer)]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RejectBody(_Body):
    """Why the answer was rejected (redacted before it is stored)."""

    note: str = Field(default="", max_length=500)


class CorrectBody(_Body):
    """The corrected answer; matter and aspect default to the item's."""

    text: str = Field(min_length=1, max_length=4000)
    matter_code: str | None = Field(default=None, max_length=64)
    aspect: str | None = Field(default=None, max_length=32)


class OverturnBody(_Body):
    """Why a refusal was wrong; ``allow_term`` (optional) joins the allow-list once approved."""

    allow_term: str | None = Field(default=None, min_length=1, max_length=32)
    note: str = Field(default="", max_length=500)


class NoteBody(_Body):
    """A reviewer's note on a proposal decision (redacted before it is stored)."""

    note: str = Field(default="", max_length=500)


class TermBody(_Body):
    """A lexicon term and its category (``political``, ``illegal``, …, or ``allow``)."""

    term: str = Field(min_length=1, max_length=32)
    category: str = Field(min_length=1, max_length=32)


class LexiconPage(_Body):
    """Terms of the lexicon in force."""

    data: list[LexiconTerm]
    count: int


class ReviewStats(_Body):
    """Counts for statistics: review items per reason, verdicts per reason since start."""

    review_items: dict[str, int]
    verdicts: dict[str, int]
    tc260_classes: dict[str, list[str]]


@router.get("/review/me", response_model=Principal)
def whoami(who: ReaderDep) -> Principal:
    """The token holder's name and role; the reviewer page checks a token with it."""
    return who


@router.get("/review/items", response_model=ReviewPage)
def list_items(
    queue: QueueDep,
    audit: AuditDep,
    who: ReaderDep,
    status: ReviewStatus | None = None,
    reason_code: Annotated[str | None, Query(max_length=64)] = None,
    kiosk_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ReviewPage:
    """Flagged turns, newest first, filtered by status, reason code and kiosk (read audited)."""
    page = queue.list(
        status=status, reason_code=reason_code, kiosk_id=kiosk_id, limit=limit, offset=offset
    )
    audit.record(
        who, "review.read", "review:list",
        _query_detail(status=status, reason_code=reason_code, kiosk_id=kiosk_id, offset=offset,
                      rows=len(page.data)),
    )  # fmt: skip
    return page


@router.get("/review/items/{item_id}", response_model=ReviewItem)
def get_item(item_id: RowId, queue: QueueDep, audit: AuditDep, who: ReaderDep) -> ReviewItem:
    """One flagged turn (the read is audited)."""
    item = queue.get(item_id)
    audit.record(who, "review.read", f"review:{item_id}")
    return item


@router.post("/review/items/{item_id}/claim", response_model=ReviewItem)
def claim_item(item_id: RowId, queue: QueueDep, who: ReviewerDep) -> ReviewItem:
    """Take an item to review."""
    return queue.claim(item_id, who)


@router.post("/review/items/{item_id}/approve", response_model=ReviewItem)
def approve_item(item_id: RowId, queue: QueueDep, who: ReviewerDep) -> ReviewItem:
    """Approve the answer as given."""
    return queue.approve(item_id, who)


@router.post("/review/items/{item_id}/reject", response_model=ReviewItem)
def reject_item(item_id: RowId, body: RejectBody, queue: QueueDep, who: ReviewerDep) -> ReviewItem:
    """Reject the answer."""
    return queue.reject(item_id, who, body.note)


@router.post("/review/items/{item_id}/correct", response_model=ReviewItem)
def correct_item(
    item_id: RowId, body: CorrectBody, queue: QueueDep, who: ReviewerDep
) -> ReviewItem:
    """Propose a corrected answer; it goes live when a second reviewer approves it."""
    return queue.correct(item_id, who, body.text, matter_code=body.matter_code, aspect=body.aspect)


@router.post("/review/items/{item_id}/overturn", response_model=ReviewItem)
def overturn_item(
    item_id: RowId, body: OverturnBody, queue: QueueDep, who: ReviewerDep
) -> ReviewItem:
    """Propose that a refusal (``review.refusal``) was wrong; a second reviewer approves it."""
    term = body.allow_term.strip() if body.allow_term else None
    return queue.overturn(item_id, who, allow_term=term or None, note=body.note)


@router.get("/review/proposals", response_model=ProposalPage)
def list_proposals(
    queue: QueueDep,
    audit: AuditDep,
    who: ReaderDep,
    status: ProposalStatus | None = None,
    kind: ProposalKind | None = None,
    matter_code: Annotated[str | None, Query(max_length=64)] = None,
    review_item_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ProposalPage:
    """Corrections and overturns, newest first: awaiting a second reviewer, live or past."""
    page = queue.proposals.list(
        status=status, kind=kind, matter_code=matter_code, review_item_id=review_item_id,
        limit=limit, offset=offset,
    )  # fmt: skip
    audit.record(
        who, "proposal.read", "proposal:list",
        _query_detail(status=status, kind=kind, matter_code=matter_code,
                      review_item_id=review_item_id, offset=offset, rows=len(page.data)),
    )  # fmt: skip
    return page


@router.get("/review/proposals/{proposal_id}", response_model=Proposal)
def get_proposal(proposal_id: RowId, queue: QueueDep, audit: AuditDep, who: ReaderDep) -> Proposal:
    """One proposal (the read is audited)."""
    proposal = queue.proposals.get(proposal_id)
    audit.record(who, "proposal.read", f"proposal:{proposal_id}")
    return proposal


@router.post("/review/proposals/{proposal_id}/approve", response_model=Proposal)
def approve_proposal(proposal_id: RowId, queue: QueueDep, who: ReviewerDep) -> Proposal:
    """Put a proposal live (four-eyes: 403 for its own proposer, 409 when not proposed)."""
    return queue.proposals.approve(proposal_id, who)


@router.post("/review/proposals/{proposal_id}/reject", response_model=Proposal)
def reject_proposal(
    proposal_id: RowId, body: NoteBody, queue: QueueDep, who: ReviewerDep
) -> Proposal:
    """Turn a proposal down; its item goes back to the queue."""
    return queue.proposals.reject(proposal_id, who, body.note)


@router.post("/review/proposals/{proposal_id}/withdraw", response_model=Proposal)
def withdraw_proposal(
    proposal_id: RowId, body: NoteBody, queue: QueueDep, who: ReviewerDep
) -> Proposal:
    """Withdraw one's own proposal, or any live one (it stops applying at once)."""
    return queue.proposals.withdraw(proposal_id, who, body.note)


@router.get("/review/training-examples", response_model=list[TrainingExample])
def training_examples(
    queue: QueueDep,
    audit: AuditDep,
    who: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Offset = 0,
) -> list[TrainingExample]:
    """Overturned refusals (redacted, label ``benign``): training data for the classifiers."""
    examples = queue.proposals.training_examples(limit=limit, offset=offset)
    audit.record(
        who, "training.read", "training:list", _query_detail(offset=offset, rows=len(examples))
    )
    return examples


@router.get("/review/audit", response_model=list[AuditEntry])
def audit_log(
    audit: AuditDep,
    who: ReaderDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    target: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Audit log of reviewer decisions and lexicon changes, newest first (§9.3.3 b).

    ``target`` narrows to one object, e.g. ``review:7`` (one item's trail) or ``term:illegal``.
    The read itself is audited (``audit.read``), after the entries were read.
    """
    entries = audit.entries(actor=actor, action=action, target=target, limit=limit)
    audit.record(
        who, "audit.read", "audit:log",
        _query_detail(actor=actor, action=action, target=target, rows=len(entries)),
    )  # fmt: skip
    return entries


def _query_detail(**filters: object) -> str:
    """``key=value`` pairs of the filters given (ids, statuses, codes: never citizen text)."""
    return " ".join(f"{k}={v}" for k, v in filters.items() if v not in (None, ""))[:500]


@router.get("/review/stats", response_model=ReviewStats)
def review_stats(queue: QueueDep, stats: StatsDep, tc260: Tc260Dep, _who: ReaderDep) -> ReviewStats:
    """Counts by reason code (no text), with each reason's TC260-003 classes."""
    verdicts = stats.snapshot()
    review_items = queue.counts()
    reasons = set(review_items) | {key.split("/")[0] for key in verdicts}
    return ReviewStats(
        review_items=review_items,
        verdicts=verdicts,
        tc260_classes={reason: tc260.classes_of(reason) for reason in sorted(reasons)},
    )


@router.get("/review/status", response_model=GuardStatus)
def guard_status(guard: GuardDep, _who: ReaderDep) -> GuardStatus:
    """Policy version, rails, lexicon size and counters."""
    return guard.status()


@router.get("/lexicon/terms", response_model=LexiconPage)
def list_terms(
    lexicon: LexiconDep,
    _who: ReaderDep,
    category: Annotated[str | None, Query(max_length=32)] = None,
) -> LexiconPage:
    """Terms in force (bundled and reviewer-added), optionally of one category."""
    terms = [t for t in lexicon.current.terms if category is None or t.category == category]
    return LexiconPage(data=terms, count=len(terms))


@router.post("/lexicon/terms", response_model=LexiconTerm, status_code=201)
def add_term(body: TermBody, lexicon: LexiconDep, who: ReviewerDep) -> LexiconTerm:
    """Add a term (audited); it applies to the next turn."""
    term = LexiconTerm(term=body.term.strip(), category=body.category, source="reviewer")
    lexicon.add_term(term, who)
    return term


@router.post("/lexicon/terms/remove", response_model=LexiconTerm)
def remove_term(body: TermBody, lexicon: LexiconDep, who: ReviewerDep) -> LexiconTerm:
    """Remove a term (audited); it stops applying on the next turn."""
    term = LexiconTerm(term=body.term.strip(), category=body.category, source="reviewer")
    lexicon.remove_term(term, who)
    return term
