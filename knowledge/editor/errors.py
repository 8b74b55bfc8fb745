"""Errors of the editor workbench (codes ``knowledge.*``, rendered as ``{"code", "message"}``).

::

    KnowledgeError
    ├── FourEyesError          (knowledge.four_eyes, 403)
    ├── WorkflowStateError     (knowledge.workflow_state, 409)
    └── RetirementError        (knowledge.invalid_retirement, 422)
"""

from __future__ import annotations

from knowledge.errors import KnowledgeError


class FourEyesError(KnowledgeError):
    """The publisher drafted or submitted this draft: another person must publish it."""

    code = "knowledge.four_eyes"
    status = 403
    message_zh = "四眼原则：起草或提交该草稿的人不能发布它，请由另一位发布员审核发布"


class WorkflowStateError(KnowledgeError):
    """The step does not follow from where the draft stands (e.g. publish before submit)."""

    code = "knowledge.workflow_state"
    status = 409
    message_zh = "该事项草稿当前所处环节不允许此操作"


class RetirementError(KnowledgeError):
    """Retirement without a reason, or with a replacement that is not a published matter."""

    code = "knowledge.invalid_retirement"
    status = 422
    message_zh = "退出事项须填写原因；替代事项须为另一个已发布事项"
