"""Errors of the knowledge package.

::

    KnowledgeError                       (code knowledge.error, 400)
    ├── MatterNotFoundError              (knowledge.matter_not_found, 404)
    ├── MatterStateError                 (knowledge.invalid_state, 409)
    └── ImportValidationError            (knowledge.invalid_import, 422; .errors lists each)
        ├── ImportFormatError            (knowledge.unreadable_import, 400)
        └── UnsafeContentError           (knowledge.unsafe_content, 422)

Every error carries ``code`` (machine-readable), ``status`` (HTTP) and ``message_zh`` (shown on
the kiosk or the editor page). Messages name fields and rules, never citizen input.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from daoban.errors import DaobanError


class KnowledgeError(DaobanError):
    """Base of the knowledge package's errors."""

    code = "knowledge.error"
    status = 400
    message_zh = "知识库操作失败"


class MatterNotFoundError(KnowledgeError):
    """No matter with that code (or none published)."""

    code = "knowledge.matter_not_found"
    status = 404
    message_zh = "未找到该事项，请确认事项编码"


class MatterStateError(KnowledgeError):
    """The life-cycle change is not allowed from the matter's current status."""

    code = "knowledge.invalid_state"
    status = 409
    message_zh = "该事项当前状态不允许此操作"


class FieldIssue(BaseModel):
    """One validation problem: which matter (index and code, if readable), which field, why."""

    model_config = ConfigDict(frozen=True)

    index: int
    code: str | None
    field: str
    message: str


class ImportValidationError(KnowledgeError):
    """A matter file failed validation; nothing was written. ``errors`` lists every problem."""

    code = "knowledge.invalid_import"
    status = 422
    message_zh = "导入文件校验未通过，未写入任何事项"

    def __init__(self, errors: list[FieldIssue], message: str | None = None) -> None:
        super().__init__(message)
        self.errors = errors


class ImportFormatError(ImportValidationError):
    """The file cannot be read (JSON, YAML, JSON lines, or CSV/XLSX with a valid mapping)."""

    code = "knowledge.unreadable_import"
    status = 400
    message_zh = (
        "导入文件无法解析：请提供事项列表（JSON/YAML）、事项记录（JSON 行）或清单及映射文件"
    )


class UnsafeContentError(ImportValidationError):
    """Matter text failed the safety scan (sensitive terms or injected instructions, §9.4.1 a).

    ``errors`` names each matter and the reason code; the offending text is not repeated.
    """

    code = "knowledge.unsafe_content"
    status = 422
    message_zh = "事项内容未通过安全检查，未写入任何事项"
