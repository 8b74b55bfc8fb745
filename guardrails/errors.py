"""Errors of the guardrails package.

::

    GuardrailsError                     (code guardrails.error, 400)
    ├── PolicyError                     (guardrails.invalid_policy, 500)
    ├── AuthenticationRequiredError     (guardrails.unauthenticated, 401)
    ├── ForbiddenRoleError              (guardrails.forbidden, 403)
    ├── ReviewItemNotFoundError         (guardrails.review_not_found, 404)
    ├── ReviewStateError                (guardrails.review_invalid_state, 409)
    ├── LexiconTermError                (guardrails.invalid_term, 422)
    └── AuditUnavailableError           (guardrails.audit_unavailable, 503)

Every error carries ``code`` (machine-readable), ``status`` (HTTP) and ``message_zh`` (shown on
the reviewer page or the kiosk). Messages name fields and rules, never citizen input.
"""

from __future__ import annotations

from daoban.errors import DaobanError


class GuardrailsError(DaobanError):
    """Base of the guardrails package's errors."""

    code = "guardrails.error"
    status = 400
    message_zh = "内容安全操作失败"


class PolicyError(GuardrailsError):
    """The policy file is unreadable or names an unknown rail."""

    code = "guardrails.invalid_policy"
    status = 500
    message_zh = "内容安全策略配置有误"


class AuthenticationRequiredError(GuardrailsError):
    """No token, or an unknown one."""

    code = "guardrails.unauthenticated"
    status = 401
    message_zh = "请先登录（缺少或无效的访问令牌）"


class ForbiddenRoleError(GuardrailsError):
    """The token's role may not do this."""

    code = "guardrails.forbidden"
    status = 403
    message_zh = "当前角色无权执行此操作"


class ReviewItemNotFoundError(GuardrailsError):
    """No review item with that id."""

    code = "guardrails.review_not_found"
    status = 404
    message_zh = "未找到该审核条目"


class ReviewStateError(GuardrailsError):
    """The review decision is not allowed from the item's current status or claimant."""

    code = "guardrails.review_invalid_state"
    status = 409
    message_zh = "该审核条目当前状态不允许此操作"


class SameReviewerError(GuardrailsError):
    """Four-eyes: the reviewer who proposed a correction may not approve it."""

    code = "guardrails.four_eyes"
    status = 403
    message_zh = "更正须由另一位审核员复核，提出人不能自行批准"


class ProposalNotFoundError(GuardrailsError):
    """No proposal with that id."""

    code = "guardrails.proposal_not_found"
    status = 404
    message_zh = "未找到该更正提议"


class ProposalStateError(GuardrailsError):
    """The proposal is not in a state that allows this (decided, withdrawn, stale)."""

    code = "guardrails.proposal_invalid_state"
    status = 409
    message_zh = "该更正提议当前状态不允许此操作，请刷新后重试"


class LexiconTermError(GuardrailsError):
    """A lexicon term is empty, too long, or its category is unknown."""

    code = "guardrails.invalid_term"
    status = 422
    message_zh = "词条无效：词条长度须为1至32个字符，类别须为已定义的类别"


class AuditUnavailableError(GuardrailsError):
    """The audit log could not be written (§9.3.3 b): the audited operation was not done."""

    code = "guardrails.audit_unavailable"
    status = 503
    message_zh = "审计日志暂时无法写入，本次操作未执行，请稍后再试"
