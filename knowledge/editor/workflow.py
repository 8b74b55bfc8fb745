"""The editor desk: four-eyes drafting, publishing, rollback and retirement of matters.

GB/T 47483 §6.3 (入驻), §6.4 (调整与退出) and §9.3.3 b (audit). The life cycle of a draft::

    editor: save_draft ──> submit ──> publisher: publish [now | at 生效日期] ──> published
                 ^                            │
                 └──── send_back(comment) <───┘

* Four eyes: whoever saved or submitted a draft may not publish it (:class:`FourEyesError`).
* Every write goes to the audit log (``guardrails_audit``) with who, when, what, and the
  content hash before and after.
* The text check (:mod:`knowledge.editor.checks`) runs on every save and again at publish:
  markup, personal data and injected instructions block; sensitive terms are flagged to the
  publisher, who publishes over them knowingly.
* Publishing goes through :meth:`MatterStore.publish`, whose subscribers re-index this
  worker and announce the change to the others.

Usage example::

    desk = EditorDesk(store, sessions, scanner=guardrails.matter_scanner)
    desk.save_draft(alice, content)          # alice: editor
    desk.submit(alice, "HJ-0004")
    desk.publish(bob, "HJ-0004")             # bob: publisher — live on every kiosk
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from guardrails.audit import AuditLog
from guardrails.errors import ForbiddenRoleError
from guardrails.models import AuditEntry, Principal, Role
from knowledge.editor.checks import ContentReport, TextScanner, check_content
from knowledge.editor.errors import FourEyesError, RetirementError, WorkflowStateError
from knowledge.editor.tables import WorkflowRow
from knowledge.errors import FieldIssue, MatterNotFoundError, UnsafeContentError
from knowledge.models import (
    GUIDE_ELEMENT_NAMES,
    GuideElement,
    Matter,
    MatterContent,
    MatterStatus,
)
from knowledge.store import ImportAction, ImportResult, MatterOutcome, MatterStore, content_hash

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

EDITING_ROLES = frozenset({Role.EDITOR})
PUBLISHING_ROLES = frozenset({Role.PUBLISHER})
READING_ROLES = frozenset({Role.EDITOR, Role.PUBLISHER, Role.ADMIN, Role.AUDITOR})


def _now() -> datetime:
    return datetime.now(UTC)


class DraftState(StrEnum):
    """Where a matter's draft stands."""

    EDITING = "editing"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    """Claimed by one worker's sweep for a due scheduled publish (never seen for long)."""
    CLOSED = "closed"
    """No open draft (published, or retired)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Workflow(_Frozen):
    """The four-eyes state of one matter."""

    state: DraftState = DraftState.CLOSED
    drafted_by: list[str] = Field(default_factory=list)
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    comment: str = ""
    effective_at: datetime | None = None
    approved_by: str | None = None
    retire_reason: str = ""
    replacement_code: str | None = None


class CatalogueItem(_Frozen):
    """A matter in the editor's catalogue list."""

    code: str
    name: str
    department: str
    domain: str = Field(description="Code prefix (HJ, SB, …): the catalogue's domain")
    status: MatterStatus
    version: int
    draft_state: DraftState
    has_unpublished_changes: bool
    missing: list[GuideElement] = Field(description="Guide elements the matter does not give")
    flags: list[str] = Field(description="Content-check reason codes held on the draft")
    editor: str
    updated_at: datetime | None


class MatterDesk(_Frozen):
    """One matter as the editor opens it: the draft, the published version, the workflow."""

    draft: Matter
    published: Matter | None
    workflow: Workflow
    missing: list[GuideElement]
    missing_names: list[str]
    report: ContentReport
    draft_hash: str
    published_hash: str | None


class ElementDiff(_Frozen):
    """One changed element: its path, the Chinese name, and a unified diff of its YAML."""

    field: str
    label: str
    before: Any = None
    after: Any = None
    diff: str


class HistoryEntry(_Frozen):
    """A published version: who published it, when, and its content hash."""

    version: int
    editor: str
    at: datetime | None
    content_hash: str


class History(_Frozen):
    """Versions (newest first) and the audit trail of a matter."""

    versions: list[HistoryEntry]
    audit: list[AuditEntry]


_LABELS: dict[str, str] = {
    "code": "事项编码", "name": "事项名称", "english_name": "英文名称", "aliases": "别名",
    "colloquial_names": "俗称", "situations": "生活情形", "english_aliases": "英文别名",
    "type": "事项类型", "department": "实施机构", "level": "实施层级",
    "service_objects": "服务对象", "conditions": "受理条件", "materials": "申请材料",
    "process": "办理流程", "time_limit": "办结时限", "fees": "收费标准", "result": "办理结果",
    "channels": "办理渠道", "kiosk_available": "可在自助终端办理", "locations": "办理地点",
    "progress_query": "进度查询", "consultation_phone": "咨询电话",
    "complaint_phone": "监督投诉电话", "legal_basis": "设定依据", "themes": "主题（一件事）",
    "cross_region": "跨省通办", "form_fields": "申请表字段", "kiosk_route": "一键直达路由",
    "guide_url": "办事指南链接", "apply_url": "在线申办链接", "source": "来源",
    "unpublished": "未公开要素",
}
"""Chinese names of the content fields, as the diff and the form show them."""


def domain_of(code: str) -> str:
    """The domain of a matter code: its prefix before the first hyphen (``HJ-0004`` → ``HJ``)."""
    return code.split("-", 1)[0].upper()


def _doc(content: MatterContent) -> dict[str, Any]:
    return MatterContent.model_validate(
        content.model_dump(include=set(MatterContent.model_fields))
    ).model_dump(mode="json")


def hash_of(content: MatterContent) -> str:
    """Content hash (sha256 hex) of a matter's content, as the store computes it."""
    return content_hash(_doc(content))


def _workflow(row: WorkflowRow | None) -> Workflow:
    if row is None:
        return Workflow()
    return Workflow(
        state=DraftState(row.state), drafted_by=list(row.drafted_by or []),
        submitted_by=row.submitted_by, submitted_at=row.submitted_at, comment=row.comment,
        effective_at=row.effective_at, approved_by=row.approved_by,
        retire_reason=row.retire_reason, replacement_code=row.replacement_code,
    )  # fmt: skip


def require(principal: Principal, roles: Iterable[Role]) -> None:
    """Raise unless ``principal`` holds one of ``roles``.

    Raises:
        ForbiddenRoleError: another role (403).
    """
    if principal.role not in set(roles):
        raise ForbiddenRoleError()


class EditorDesk:
    """The editor workbench's operations; see the module docstring."""

    def __init__(
        self,
        store: MatterStore,
        session_factory: sessionmaker[Session],
        *,
        scanner: TextScanner,
        clock: Clock = _now,
    ) -> None:
        """Operate on ``store`` and the workflow/audit tables of ``session_factory``."""
        self.store = store
        self._sessions = session_factory
        self._scanner = scanner
        self._clock = clock
        self.audit = AuditLog(session_factory, clock=clock)

    # -- reading -----------------------------------------------------------------------------

    def _workflows(self) -> dict[str, WorkflowRow]:
        with self._sessions() as session:
            return {row.code: row for row in session.scalars(select(WorkflowRow))}

    def catalogue(
        self,
        *,
        q: str = "",
        domain: str = "",
        department: str = "",
        status: MatterStatus | None = None,
        draft_state: DraftState | None = None,
        incomplete: GuideElement | None = None,
        any_incomplete: bool = False,
        flagged: bool = False,
    ) -> list[CatalogueItem]:
        """Every matter (drafts included), filtered; ordered by code."""
        flows = self._workflows()
        state = self._row_state()
        items: list[CatalogueItem] = []
        for matter in self.store.list(status):
            flow = _workflow(flows.get(matter.code))
            draft_hash, live_hash, flags = state.get(matter.code, (None, None, []))
            item = CatalogueItem(
                code=matter.code, name=matter.name, department=matter.department,
                domain=domain_of(matter.code), status=matter.status, version=matter.version,
                draft_state=flow.state,
                has_unpublished_changes=live_hash is None or live_hash != draft_hash,
                missing=list(matter.unpublished), flags=flags, editor=matter.editor,
                updated_at=matter.updated_at,
            )  # fmt: skip
            if q and q not in matter.name and q not in matter.code and not any(
                q in n for n in matter.names
            ):
                continue
            if domain and item.domain != domain.upper():
                continue
            if department and department not in matter.department:
                continue
            if draft_state is not None and item.draft_state is not draft_state:
                continue
            if incomplete is not None and incomplete not in item.missing:
                continue
            if any_incomplete and not item.missing:
                continue
            if flagged and not item.flags:
                continue
            items.append(item)
        return items

    def _row_state(self) -> dict[str, tuple[str | None, str | None, list[str]]]:
        """Code → (draft hash, published version's hash, held flags), in one query."""
        from knowledge.tables import MatterRow, MatterVersionRow  # the store's tables, read-only

        query = select(
            MatterRow.code, MatterRow.content_hash, MatterVersionRow.content_hash,
            MatterRow.review_flags,
        ).outerjoin(
            MatterVersionRow,
            (MatterVersionRow.code == MatterRow.code)
            & (MatterVersionRow.version == MatterRow.version),
        )  # fmt: skip
        with self._sessions() as session:
            return {
                code: (draft, live, list(flags or []))
                for code, draft, live, flags in session.execute(query)
            }

    def store_flags(self, code: str) -> list[str]:
        """Reason codes the store's content check held on the matter's draft (may be empty)."""
        from knowledge.tables import MatterRow  # the store's table, read-only here

        with self._sessions() as session:
            row = session.get(MatterRow, code)
            return list(row.review_flags or []) if row is not None else []

    def open(self, code: str) -> MatterDesk:
        """The draft, its published version, workflow, missing elements and text check.

        Raises:
            MatterNotFoundError: no such matter.
        """
        draft = self.store.get(code)
        published = next((m for m in self.store.published() if m.code == code), None)
        if published is None and draft.version > 0:
            versions = self.store.versions(code)
            published = versions[-1] if versions else None
        with self._sessions() as session:
            flow = _workflow(session.get(WorkflowRow, code))
        return MatterDesk(
            draft=draft, published=published, workflow=flow, missing=list(draft.unpublished),
            missing_names=[GUIDE_ELEMENT_NAMES[e] for e in draft.unpublished],
            report=check_content(self._scanner, draft.content()),
            draft_hash=hash_of(draft),
            published_hash=hash_of(published) if published is not None else None,
        )  # fmt: skip

    def diff(self, code: str) -> list[ElementDiff]:
        """Elements of the draft that differ from the published version (all, if never).

        Raises:
            MatterNotFoundError: no such matter.
        """
        desk = self.open(code)
        after = _doc(desk.draft)
        before = _doc(desk.published) if desk.published is not None else {}
        changes: list[ElementDiff] = []
        for field in MatterContent.model_fields:
            old, new = before.get(field), after.get(field)
            if old == new:
                continue
            old_text, new_text = _yaml(old), _yaml(new)
            lines = difflib.unified_diff(
                old_text.splitlines(), new_text.splitlines(), "已发布", "草稿", lineterm="", n=2
            )
            changes.append(
                ElementDiff(
                    field=field, label=_LABELS.get(field, field), before=old, after=new,
                    diff="\n".join(lines),
                )
            )
        return changes

    def history(self, code: str) -> History:
        """Published versions (newest first) with who and when, and the matter's audit trail.

        Raises:
            MatterNotFoundError: no such matter.
        """
        versions = self.store.versions(code)
        return History(
            versions=[
                HistoryEntry(
                    version=v.version, editor=v.editor, at=v.updated_at, content_hash=hash_of(v)
                )
                for v in reversed(versions)
            ],
            audit=self.audit.entries(target=_target(code), limit=200),
        )

    # -- editor ------------------------------------------------------------------------------

    def check(self, content: MatterContent) -> ContentReport:
        """The pre-publish text check of ``content`` (see :mod:`knowledge.editor.checks`)."""
        return check_content(self._scanner, content)

    def _refuse_blocking(self, report: ContentReport, code: str) -> None:
        if report.blocking:
            raise UnsafeContentError(
                [
                    FieldIssue(index=0, code=code, field=f.field, message=f.reason)
                    for f in report.blocking
                ]
            )

    def _current_hash(self, code: str) -> str | None:
        try:
            return hash_of(self.store.get(code))
        except MatterNotFoundError:
            return None

    def save_draft(self, who: Principal, content: MatterContent) -> MatterDesk:
        """Save ``content`` as the matter's draft (new matters start as drafts).

        A published matter keeps serving its published version until the draft is published.

        Raises:
            ForbiddenRoleError: not an editor.
            UnsafeContentError: markup, personal data or injected instructions (422; the
                errors name each element and reason).
            WorkflowStateError: the draft is submitted or scheduled (send it back first).
        """
        require(who, EDITING_ROLES)
        self._refuse_blocking(self.check(content), content.code)
        before = self._current_hash(content.code)
        with self._sessions() as session:
            row = session.get(WorkflowRow, content.code)
            if row is not None and row.state in (DraftState.SUBMITTED, DraftState.SCHEDULED):
                raise WorkflowStateError("草稿已提交待发布，请先由发布员退回后再修改")
        after = hash_of(content)

        def within(session: Session, _result: ImportResult) -> None:
            row = session.get(WorkflowRow, content.code)
            if row is None:
                row = WorkflowRow(code=content.code, state=DraftState.EDITING.value,
                                  drafted_by=[], comment="", retire_reason="",
                                  updated_at=self._clock())  # fmt: skip
                session.add(row)
            drafters = list(row.drafted_by or []) if row.state != DraftState.CLOSED else []
            if who.name not in drafters:
                drafters.append(who.name)
            row.drafted_by = drafters
            row.state = DraftState.EDITING.value
            row.submitted_by = None
            row.submitted_at = None
            row.effective_at = None
            row.approved_by = None
            row.updated_at = self._clock()
            self.audit.add(session, who, "matter.draft", _target(content.code),
                           hash_before=before, hash_after=after)  # fmt: skip

        # the draft, its workflow and its audit entry: one transaction
        self.store.import_matters([content], editor=who.name, publish=False, within=within)
        return self.open(content.code)

    def submit(self, who: Principal, code: str) -> MatterDesk:
        """Submit the draft for publishing.

        Raises:
            ForbiddenRoleError: not an editor.
            MatterNotFoundError: no such matter.
            WorkflowStateError: no draft being edited.
        """
        require(who, EDITING_ROLES)
        digest = hash_of(self.store.get(code))
        with self._sessions.begin() as session:
            row = session.get(WorkflowRow, code)
            if row is None or row.state not in (DraftState.EDITING, DraftState.RETURNED):
                raise WorkflowStateError("没有可提交的草稿")
            row.state = DraftState.SUBMITTED.value
            row.submitted_by = who.name
            row.submitted_at = self._clock()
            if who.name not in (row.drafted_by or []):
                row.drafted_by = [*(row.drafted_by or []), who.name]
            row.updated_at = self._clock()
            self.audit.add(session, who, "matter.submit", _target(code),
                           hash_before=digest, hash_after=digest)  # fmt: skip
        return self.open(code)

    def rollback(self, who: Principal, code: str, version: int) -> MatterDesk:
        """Make published ``version`` the draft again and submit it (a publisher publishes it).

        Raises:
            ForbiddenRoleError: not an editor.
            MatterNotFoundError: no such matter or version.
        """
        require(who, EDITING_ROLES)
        match = [v for v in self.store.versions(code) if v.version == version]
        if not match:
            raise MatterNotFoundError("未找到该事项的这个版本")
        content = match[0].content()
        before = self._current_hash(code)
        self.save_draft(who, content)
        with self._sessions.begin() as session:
            self.audit.add(session, who, "matter.rollback", _target(code),
                           detail=f"to v{version}", hash_before=before,
                           hash_after=hash_of(content))  # fmt: skip
        return self.submit(who, code)

    # -- publisher ---------------------------------------------------------------------------

    def _submitted(self, session: Session, who: Principal, code: str) -> WorkflowRow:
        row = session.get(WorkflowRow, code)
        if row is None or row.state != DraftState.SUBMITTED:
            raise WorkflowStateError("该事项没有待发布的草稿")
        if who.name in (row.drafted_by or []) or who.name == row.submitted_by:
            raise FourEyesError()
        return row

    def send_back(self, who: Principal, code: str, comment: str) -> MatterDesk:
        """Return a submitted draft to its editors with a comment.

        Raises:
            ForbiddenRoleError: not a publisher.
            FourEyesError: the publisher drafted it.
            WorkflowStateError: nothing submitted.
        """
        require(who, PUBLISHING_ROLES)
        digest = hash_of(self.store.get(code))
        with self._sessions.begin() as session:
            row = self._submitted(session, who, code)
            row.state = DraftState.RETURNED.value
            row.comment = comment
            row.updated_at = self._clock()
            self.audit.add(session, who, "matter.send_back", _target(code),
                           detail="comment given" if comment else "",
                           hash_before=digest, hash_after=digest)  # fmt: skip
        return self.open(code)

    def publish(
        self, who: Principal, code: str, *, effective_at: datetime | None = None
    ) -> MatterDesk:
        """Publish a submitted draft now, or schedule it for ``effective_at`` (生效日期).

        The text check runs again: blocking findings refuse; sensitive-term flags were shown
        to the publisher, whose publish accepts them (recorded in the audit detail).

        Raises:
            ForbiddenRoleError: not a publisher.
            FourEyesError: the publisher drafted or submitted it.
            WorkflowStateError: nothing submitted.
            UnsafeContentError: blocking findings.
        """
        require(who, PUBLISHING_ROLES)
        draft = self.store.get(code)
        report = self.check(draft.content())
        self._refuse_blocking(report, code)
        now = self._clock()
        scheduled = effective_at is not None and effective_at.astimezone(UTC) > now
        published_hash = self._published_hash(code)
        with self._sessions.begin() as session:
            row = self._submitted(session, who, code)
            if scheduled and effective_at is not None:
                row.state = DraftState.SCHEDULED.value
                row.effective_at = effective_at.astimezone(UTC)
                row.approved_by = who.name
                row.updated_at = now
                self.audit.add(session, who, "matter.schedule", _target(code),
                               detail=f"effective {row.effective_at.isoformat()}",
                               hash_before=published_hash, hash_after=hash_of(draft))  # fmt: skip
        if scheduled:
            return self.open(code)  # after the commit
        return self._go_live(who, code, draft, report, action="matter.publish")

    def _published_hash(self, code: str) -> str | None:
        versions = self.store.versions(code)
        return hash_of(versions[-1]) if versions else None

    def _go_live(
        self, who: Principal, code: str, draft: Matter, report: ContentReport, *, action: str
    ) -> MatterDesk:
        before = self._published_hash(code)
        flags = sorted({f.reason for f in report.flags})

        def within(session: Session, _matter: Matter) -> None:
            row = session.get(WorkflowRow, code)
            if row is not None:
                row.state = DraftState.CLOSED.value
                row.approved_by = who.name
                row.comment = ""
                row.updated_at = self._clock()
            self.audit.add(session, who, action, _target(code),
                           detail="flags accepted: " + ",".join(flags) if flags else "",
                           hash_before=before, hash_after=hash_of(draft))  # fmt: skip

        # the version, the workflow and the audit entry: one transaction
        self.store.publish(code, editor=who.name, accept_flags=True, within=within)
        logger.info("matter published from the editor", extra={"matter_code": code})
        return self.open(code)

    def publish_due(self) -> list[str]:
        """Publish every scheduled draft whose effective date has come; returns their codes.

        Each is claimed with one conditional UPDATE first, so when several workers sweep at
        once exactly one publishes it.
        """
        now = self._clock()
        with self._sessions() as session:
            due = list(
                session.execute(
                    select(WorkflowRow.code, WorkflowRow.approved_by).where(
                        WorkflowRow.state == DraftState.SCHEDULED.value,
                        WorkflowRow.effective_at <= now,
                    )
                )
            )
        published: list[str] = []
        for code, approved_by in due:
            with self._sessions.begin() as session:
                claimed = session.execute(
                    update(WorkflowRow)
                    .where(
                        WorkflowRow.code == code,
                        WorkflowRow.state == DraftState.SCHEDULED.value,
                    )
                    .values(state=DraftState.PUBLISHING.value)
                )
            if getattr(claimed, "rowcount", 0) != 1:
                continue
            who = Principal(name=approved_by or "scheduler", role=Role.PUBLISHER)
            try:
                draft = self.store.get(code)
                report = self.check(draft.content())
                self._refuse_blocking(report, code)
                self._go_live(who, code, draft, report, action="matter.publish_scheduled")
                published.append(code)
            except Exception:
                with self._sessions.begin() as session:
                    row = session.get(WorkflowRow, code)
                    if row is not None:
                        row.state = DraftState.SUBMITTED.value
                        row.comment = "定时发布失败，请重新审核"
                logger.exception("scheduled publish failed", extra={"matter_code": code})
        return published

    def retire(
        self, who: Principal, code: str, *, reason: str, replacement_code: str | None = None
    ) -> MatterDesk:
        """Retire a matter (§6.4 退出) with a reason and, if any, the matter that replaces it.

        Raises:
            ForbiddenRoleError: not a publisher.
            RetirementError: no reason, or the replacement is not another published matter.
            MatterNotFoundError: no such matter.
            MatterStateError: already retired.
        """
        require(who, PUBLISHING_ROLES)
        reason = reason.strip()
        if len(reason) < 2:
            raise RetirementError("请填写退出原因（至少2个字）")
        if replacement_code:
            live = {m.code for m in self.store.published()}
            if replacement_code == code or replacement_code not in live:
                raise RetirementError("替代事项须为另一个已发布事项")
        before = self._current_hash(code)

        def within(session: Session, _matter: Matter) -> None:
            row = session.get(WorkflowRow, code)
            if row is None:
                row = WorkflowRow(
                    code=code, state=DraftState.CLOSED.value, drafted_by=[], comment="",
                    retire_reason="", updated_at=self._clock(),
                )
                session.add(row)
            row.state = DraftState.CLOSED.value
            row.retire_reason = reason
            row.replacement_code = replacement_code or None
            row.updated_at = self._clock()
            self.audit.add(session, who, "matter.retire", _target(code),
                           detail=f"replacement {replacement_code}" if replacement_code else "",
                           hash_before=before, hash_after=before)  # fmt: skip

        # the retirement, the workflow and the audit entry: one transaction
        self.store.retire(code, editor=who.name, within=within)
        return self.open(code)

    # -- import --------------------------------------------------------------------------------

    def submit_imported(self, who: Principal, result: ImportResult) -> None:
        """Mark the drafts an import from the page wrote as submitted by ``who``.

        A publisher then publishes them (four eyes, as for drafts written in the form).
        """
        with self._sessions.begin() as session:
            self._submit_imported(session, who, result)

    def _submit_imported(self, session: Session, who: Principal, result: ImportResult) -> None:
        drafted = {ImportAction.DRAFTED, ImportAction.HELD, ImportAction.CREATED,
                   ImportAction.UPDATED}  # fmt: skip
        now = self._clock()
        for outcome in result.outcomes:
            if outcome.action not in drafted:
                continue
            row = session.get(WorkflowRow, outcome.code)
            if row is None:
                row = WorkflowRow(code=outcome.code, comment="", retire_reason="")
                session.add(row)
            row.state = DraftState.SUBMITTED.value
            row.drafted_by = [who.name]
            row.submitted_by = who.name
            row.submitted_at = now
            row.effective_at = None
            row.approved_by = None
            row.updated_at = now

    def record_import(self, who: Principal, result: ImportResult) -> None:
        """Audit an import from the page: one entry per matter it changed."""
        with self._sessions.begin() as session:
            self._record_import(session, who, result)

    def _record_import(self, session: Session, who: Principal, result: ImportResult) -> None:
        for outcome in result.outcomes:
            if outcome.action is ImportAction.UNCHANGED:
                continue
            self.audit.add(session, who, f"matter.import.{outcome.action.value}"[:32],
                           _target(outcome.code))  # fmt: skip

    def import_within(self, who: Principal) -> Callable[[Session, ImportResult], None]:
        """A ``within`` for :meth:`MatterStore.import_matters`: audit and submit the import.

        Both happen in the import's own transaction: matters, workflow and audit, all or none.
        """

        def within(session: Session, result: ImportResult) -> None:
            self._record_import(session, who, result)
            self._submit_imported(session, who, result)

        return within


def _yaml(value: Any) -> str:
    if value is None:
        return ""
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def _target(code: str) -> str:
    return f"matter:{code}"[:64]


def outcome_counts(outcomes: list[MatterOutcome]) -> dict[str, int]:
    """How many matters each import action touched (for the import report)."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.action.value] = counts.get(o.action.value, 0) + 1
    return counts
