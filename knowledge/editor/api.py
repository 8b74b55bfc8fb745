"""The editor workbench's HTTP API (GB/T 47483 §6.3–6.4, four-eyes, §9.3.3 b audit).

Every route needs a bearer token (``DAOBAN_GUARDRAILS__TOKENS``): no or unknown token → 401.
Reading (catalogue, draft, diff, history, export) is open to ``editor``, ``publisher``,
``admin`` and ``auditor``; drafting, submitting and rolling back to ``editor``; publishing,
sending back and retiring to ``publisher`` — never on a draft the same person wrote or
submitted (403 ``knowledge.four_eyes``). Other roles → 403.

==========================================  =========================================
``GET  /v1/catalogue``                      matters with filters (drafts included)
``GET  /v1/catalogue/export``               YAML/JSON export, re-importable
``POST /v1/catalogue/import?filename=``     the file as the body; the CLI's report
``GET  /v1/matters/{code}/draft``           draft, published version, workflow, check
``PUT  /v1/matters/{code}/draft``           save the draft (validated as the importer)
``POST /v1/matters/{code}/submit``          editor → publisher
``POST /v1/matters/{code}/publish``         now, or at ``effective_at`` (生效日期)
``POST /v1/matters/{code}/send-back``       back to the editors with a comment
``POST /v1/matters/{code}/rollback``        a published version becomes the draft
``POST /v1/matters/{code}/retire``          §6.4 退出 with reason and replacement
``GET  /v1/matters/{code}/diff``            draft vs published, element by element
``GET  /v1/matters/{code}/history``         versions (who, when, hash) and audit trail
==========================================  =========================================
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from guardrails.api import get_principal
from guardrails.models import Principal, Role
from knowledge.editor.catalogue_io import file_statuses, import_catalogue
from knowledge.editor.errors import WorkflowStateError
from knowledge.editor.workflow import (
    EDITING_ROLES,
    PUBLISHING_ROLES,
    READING_ROLES,
    CatalogueItem,
    DraftState,
    EditorDesk,
    ElementDiff,
    History,
    MatterDesk,
    require,
)
from knowledge.errors import FieldIssue, ImportValidationError, KnowledgeError
from knowledge.importers import dump_matters
from knowledge.importing import read_catalogue
from knowledge.importing.report import ImportReport, build_report, refused_report
from knowledge.models import GuideElement, MatterContent, MatterStatus

router = APIRouter(prefix="/v1", tags=["editor"])

MAX_IMPORT_BYTES = 20 * 1024 * 1024
"""Largest file the page may import (20 MiB)."""


class EditorNotReadyError(KnowledgeError):
    """The app was built without the editor desk."""

    code = "knowledge.editor_unavailable"
    status = 503
    message_zh = "事项编辑服务未就绪，请稍后再试"


def get_desk(request: Request) -> EditorDesk:
    """The editor desk built by the lifespan (``request.state.editor_desk``).

    Raises:
        EditorNotReadyError: none (503).
    """
    desk = getattr(request.state, "editor_desk", None)
    if not isinstance(desk, EditorDesk):
        raise EditorNotReadyError
    return desk


DeskDep = Annotated[EditorDesk, Depends(get_desk)]
WhoDep = Annotated[Principal, Depends(get_principal)]


def reader(who: WhoDep) -> Principal:
    """A role that may read the catalogue and drafts.

    Raises:
        ForbiddenRoleError: reviewer (403).
    """
    require(who, READING_ROLES)
    return who


ReaderDep = Annotated[Principal, Depends(reader)]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PublishBody(_Body):
    """Publish now, or at the effective date (生效日期, ISO 8601 with a time zone)."""

    effective_at: AwareDatetime | None = Field(
        default=None, description="ISO 8601 with an offset (a time without one is refused)"
    )


class SendBackBody(_Body):
    """Why the draft goes back to its editors."""

    comment: str = Field(min_length=1, max_length=1000)


class RollbackBody(_Body):
    """The published version to restore."""

    version: int = Field(ge=1)


class RetireBody(_Body):
    """Why the matter leaves the catalogue (§6.4) and what replaces it, if anything."""

    reason: str = Field(min_length=2, max_length=500)
    replacement_code: str | None = Field(default=None, max_length=64)


class CatalogueList(BaseModel):
    """Matters of the catalogue with their count."""

    data: list[CatalogueItem]
    count: int


@router.get("/catalogue", response_model=CatalogueList)
def catalogue(
    _who: ReaderDep,
    desk: DeskDep,
    q: Annotated[str, Query(max_length=100, description="Code or name contains")] = "",
    domain: Annotated[str, Query(max_length=16, description="Code prefix, e.g. HJ")] = "",
    department: Annotated[str, Query(max_length=100)] = "",
    status: MatterStatus | None = None,
    draft_state: DraftState | None = None,
    incomplete: GuideElement | None = None,
    any_incomplete: bool = False,
    flagged: bool = False,
) -> CatalogueList:
    """Search and filter the whole catalogue (drafts, published, retired)."""
    items = desk.catalogue(
        q=q.strip(), domain=domain.strip(), department=department.strip(), status=status,
        draft_state=draft_state, incomplete=incomplete, any_incomplete=any_incomplete,
        flagged=flagged,
    )  # fmt: skip
    return CatalogueList(data=items, count=len(items))


@router.get("/catalogue/export")
def export_catalogue(
    _who: ReaderDep,
    desk: DeskDep,
    fmt: Annotated[Literal["yaml", "json"], Query(alias="format")] = "yaml",
    status: MatterStatus | None = None,
) -> Response:
    """The catalogue as a re-importable YAML or JSON file (as ``daoban kb export``)."""
    text = dump_matters(desk.store.list(status), fmt)
    media = "application/json" if fmt == "json" else "application/yaml"
    return Response(
        text, media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="matters.{fmt}"'},
    )  # fmt: skip


@router.post("/catalogue/import", response_model=ImportReport)
async def import_file(
    request: Request,
    who: WhoDep,
    desk: DeskDep,
    filename: Annotated[str, Query(pattern=r"^[\w\-. ]{1,100}\.(ya?ml|json|jsonl)$")],
) -> ImportReport:
    """Import a file (the request body) as drafts submitted for publishing.

    The same validation and report as ``daoban kb import``: an invalid file is refused whole
    (``accepted: false``, every problem listed, nothing written). Entries declaring
    ``status: retired`` retire their matter, which only a publisher may do.

    Raises:
        ForbiddenRoleError: not an editor (or a retiring file from a non-publisher).
    """
    require(who, EDITING_ROLES | PUBLISHING_ROLES)
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise ImportValidationError(
            [FieldIssue(index=-1, code=None, field="", message="file larger than 20 MiB")]
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(filename).name
        path.write_bytes(body)
        try:
            parsed = read_catalogue(path)
        except ImportValidationError as exc:
            return refused_report(path.name, exc)
        statuses = file_statuses(path, parsed.format)
    retiring = any(s is MatterStatus.RETIRED for s in statuses.values())
    require(who, PUBLISHING_ROLES if retiring else EDITING_ROLES)
    if retiring:  # an import, then each retirement: audited after them
        result = import_catalogue(desk.store, parsed.contents, statuses, editor=who.name,
                                  publish=False)  # fmt: skip
        desk.record_import(who, result)
        desk.submit_imported(who, result)
    else:  # the drafts, their workflow and their audit entries in one transaction
        result = desk.store.import_matters(parsed.contents, editor=who.name, publish=False,
                                           within=desk.import_within(who))  # fmt: skip
    return build_report(Path(filename).name, parsed, result)


@router.get("/matters/{code}/draft", response_model=MatterDesk)
def get_draft(code: str, _who: ReaderDep, desk: DeskDep) -> MatterDesk:
    """The draft, the published version, the workflow, missing elements, the text check."""
    return desk.open(code)


def _validate(payload: dict[str, Any]) -> MatterContent:
    """Validate a posted matter as the importer does (errors by field, values never echoed)."""
    bookkeeping = {"status", "version", "editor", "created_at", "updated_at"}
    try:
        return MatterContent.model_validate(
            {k: v for k, v in payload.items() if k not in bookkeeping}
        )
    except ValidationError as exc:
        raise ImportValidationError(
            [
                FieldIssue(
                    index=0,
                    code=payload.get("code") if isinstance(payload.get("code"), str) else None,
                    field=".".join(str(p) for p in e["loc"]),
                    message=e["msg"],
                )
                for e in exc.errors(include_input=False)
            ],
            "事项内容校验未通过，请按提示修改",
        ) from None


@router.put("/matters/{code}/draft", response_model=MatterDesk)
def save_draft(
    code: str, who: WhoDep, desk: DeskDep, payload: Annotated[dict[str, Any], Body()]
) -> MatterDesk:
    """Save the draft of ``code`` (a new code creates a draft matter).

    Raises:
        ImportValidationError: invalid elements (422, listed by field).
        UnsafeContentError: markup, personal data or injected instructions (422).
        WorkflowStateError: the body's code differs from the path, or the draft is submitted.
    """
    require(who, EDITING_ROLES)
    content = _validate(payload)
    if content.code != code:
        raise WorkflowStateError("请求路径中的事项编码与内容中的编码不一致")
    return desk.save_draft(who, content)


@router.post("/matters/{code}/submit", response_model=MatterDesk)
def submit(code: str, who: WhoDep, desk: DeskDep) -> MatterDesk:
    """Submit the draft to the publishers."""
    return desk.submit(who, code)


@router.post("/matters/{code}/publish", response_model=MatterDesk)
def publish(
    code: str, who: WhoDep, desk: DeskDep, body: PublishBody | None = None
) -> MatterDesk:
    """Publish the submitted draft now, or schedule it for its effective date."""
    return desk.publish(who, code, effective_at=body.effective_at if body else None)


@router.post("/matters/{code}/send-back", response_model=MatterDesk)
def send_back(code: str, who: WhoDep, desk: DeskDep, body: SendBackBody) -> MatterDesk:
    """Send the submitted draft back to its editors with a comment."""
    return desk.send_back(who, code, body.comment)


@router.post("/matters/{code}/rollback", response_model=MatterDesk)
def rollback(code: str, who: WhoDep, desk: DeskDep, body: RollbackBody) -> MatterDesk:
    """Restore a published version as the draft, submitted for publishing."""
    return desk.rollback(who, code, body.version)


@router.post("/matters/{code}/retire", response_model=MatterDesk)
def retire(code: str, who: WhoDep, desk: DeskDep, body: RetireBody) -> MatterDesk:
    """Retire the matter (§6.4) with a reason and an optional replacement matter."""
    return desk.retire(who, code, reason=body.reason, replacement_code=body.replacement_code)


@router.get("/matters/{code}/diff", response_model=list[ElementDiff])
def diff(code: str, _who: ReaderDep, desk: DeskDep) -> list[ElementDiff]:
    """What the draft changes against the published version, element by element."""
    return desk.diff(code)


@router.get("/matters/{code}/history", response_model=History)
def history(code: str, who: ReaderDep, desk: DeskDep) -> History:
    """Published versions with who and when, and the audit trail of the matter.

    Reading the trail is itself audited (``audit.read`` on ``matter:<code>``).
    """
    trail = desk.history(code)
    desk.audit.record(who, "audit.read", f"matter:{code}", "history")
    return trail


__all__ = ["Role", "router"]
