"""The base of every domain error in daoban.

Each package derives its own base (``AssistantError``, ``KnowledgeError``, ``GuardrailsError``,
``SpeechError``, ``KioskError``) and its errors from :class:`DaobanError`; the app renders any
of them as an HTTP response ``{"code", "message"}`` with ``status`` (see
``assistant.errors.register_error_handlers``). Messages name fields, rules and limits, never
citizen input or personal data (GB/T 47483 §9.3).
"""

from __future__ import annotations


class DaobanError(Exception):
    """A refusal the kiosk can show: machine-readable ``code``, HTTP ``status``, Chinese message.

    Args:
        message: Replaces the class's ``message_zh`` for this instance (must not carry
            citizen input).

    Usage example::

        class MatterNotFoundError(KnowledgeError):
            code = "knowledge.matter_not_found"
            status = 404
            message_zh = "未找到该事项，请确认事项编码"
    """

    code = "error"
    status = 400
    message_zh = "请求无法处理"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message_zh)
        if message:
            self.message_zh = message
