"""Errors of the assistant package and the HTTP rendering shared by every package.

::

    AssistantError                 (assistant.error, 400)
    └── TurnInputError             (assistant.invalid_turn, 422)

Each package's base error derives from :class:`daoban.errors.DaobanError` (``code``,
``status``, ``message_zh``); :func:`register_error_handlers` renders any of them, and
request-validation errors, as ``{"code": ..., "message": ...}`` so the kiosk can show the
Chinese message. Messages never echo citizen input.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from daoban.errors import DaobanError
from daoban.routes import route_label

if TYPE_CHECKING:  # the web stack is imported where handlers are registered (CLI: never)
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

logger = logging.getLogger(__name__)


class AssistantError(DaobanError):
    """Base of the assistant package's errors."""

    code = "assistant.error"
    status = 400
    message_zh = "请求无法处理"


class TurnInputError(AssistantError):
    """The turn request is malformed."""

    code = "assistant.invalid_turn"
    status = 422
    message_zh = "问题内容不符合要求，请输入1到500个字"


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


def _fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Location and rule only: the input value itself may hold personal data.
    return [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "rule": err.get("type", "")}
        for err in exc.errors()
    ]


FORBIDDEN_ROLE = "guardrails.forbidden"
"""The code of a back-office token whose role may not do what it asked (403)."""


def _audit_forbidden(request: Request) -> None:
    """Audit a refused privilege (``auth.forbidden``, §9.2.2 b, §9.3.3 b): who and which route.

    The token holder is the principal :func:`guardrails.api.get_principal` authenticated on
    this request; a failing audit write is logged, the caller still gets its 403.
    """
    principal = getattr(request.state, "principal", None)
    guard = getattr(request.state, "guardrails", None)
    audit = getattr(guard, "audit", None)
    if principal is None or audit is None:
        return
    try:
        audit.record(principal, "auth.forbidden", f"route:{route_label(request)}",
                     "role may not do this")  # fmt: skip
    except DaobanError:
        logger.warning("forbidden attempt not audited")


def register_error_handlers(app: FastAPI) -> None:
    """Render every :class:`~daoban.errors.DaobanError`, validation and HTTP error.

    Each is rendered as ``{"code", "message"}`` (plus ``errors`` for field lists) with the
    error's status.
    """
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException

    async def domain_handler(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DaobanError)  # noqa: S101 - registered for DaobanError only
        logger.info("request rejected", extra={"code": exc.code})
        if exc.code == FORBIDDEN_ROLE:
            await run_in_threadpool(_audit_forbidden, request)
        extra = getattr(exc, "errors", None)
        body = ErrorBody(
            code=exc.code,
            message=exc.message_zh,
            errors=[e.model_dump() if isinstance(e, BaseModel) else e for e in extra]
            if isinstance(extra, list)
            else None,
        )
        return JSONResponse(body.model_dump(exclude_none=True), status_code=exc.status)

    async def validation_handler(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - FastAPI guarantees it
        body = ErrorBody(
            code="request.invalid",
            message="请求参数不正确，请检查后重试",
            errors=_fields(exc),
        )
        return JSONResponse(body.model_dump(exclude_none=True), status_code=422)

    async def http_handler(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        messages = {404: "请求的地址不存在", 405: "不支持该请求方式", 401: "请先登录",
                    403: "没有权限执行此操作", 429: "请求过于频繁，请稍后再试"}
        body = ErrorBody(
            code=getattr(exc, "code", None) or f"http.{exc.status_code}",
            message=messages.get(exc.status_code, str(exc.detail)),
        )
        return JSONResponse(
            body.model_dump(exclude_none=True),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    app.add_exception_handler(DaobanError, domain_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
