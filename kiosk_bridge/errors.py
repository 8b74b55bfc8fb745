"""Errors of the kiosk bridge package.

::

    KioskError                           (kiosk.error, 400)
    ├── DeviceError                      (kiosk.device_error, 502)
    │   ├── DeviceAbsentError            (kiosk.device_absent, 503)
    │   ├── DeviceBusyError              (kiosk.device_busy, 409)
    │   ├── DeviceTimeoutError           (kiosk.device_timeout, 504)
    │   │   └── RecordingStalledError    (kiosk.recording_stalled, 504)
    │   └── DeviceProtocolError          (kiosk.device_protocol, 502)
    ├── SessionEndedError                (kiosk.session_ended, 409)
    ├── CardElsewhereError               (kiosk.card_elsewhere, 409)
    ├── CardNotReadError                 (kiosk.card_not_read, 409)
    ├── SessionStoreUnavailableError     (kiosk.session_unavailable, 503)
    ├── KioskUnauthenticatedError        (kiosk.unauthenticated, 401)
    ├── KioskForbiddenError              (kiosk.forbidden, 403)
    │   └── SessionForbiddenError        (kiosk.session_forbidden, 403)
    ├── AuditUnavailableError            (kiosk.audit_unavailable, 503)
    └── PrefillError                     (kiosk.prefill_error, 400)
        ├── PrefillUnavailableError      (kiosk.prefill_unavailable, 503)
        ├── IdCardIntegrityError         (kiosk.idcard_integrity, 400)
        ├── IdCardDecryptError           (kiosk.idcard_decrypt, 400)
        ├── IdCardFormatError            (kiosk.idcard_format, 422)
        ├── IdNumberInvalidError         (kiosk.id_number_invalid, 422)
        ├── IdCardExpiredError           (kiosk.idcard_expired, 422)
        └── IdCardReplayError            (kiosk.idcard_replay, 400)

Every error carries ``code``, ``status`` and ``message_zh``. No message ever contains ID-card
data: they name the rule (GB 11643 check digit, validity period), never the value.
"""

from __future__ import annotations

from daoban.errors import DaobanError


class KioskError(DaobanError):
    """Base of the kiosk bridge's errors."""

    code = "kiosk.error"
    status = 400
    message_zh = "终端设备操作失败"


class DeviceError(KioskError):
    """The kiosk device service answered with an error."""

    code = "kiosk.device_error"
    status = 502
    message_zh = "终端设备返回错误"


class DeviceAbsentError(DeviceError):
    """The device service or the device is not there (connection refused, 404 device)."""

    code = "kiosk.device_absent"
    status = 503
    message_zh = "终端设备未连接，请联系现场工作人员"


class DeviceBusyError(DeviceError):
    """The device is in use (HTTP 409 from the device service), still after retries."""

    code = "kiosk.device_busy"
    status = 409
    message_zh = "终端设备正忙，请稍后再试"


class DeviceTimeoutError(DeviceError):
    """The device did not answer within the timeout, still after retries."""

    code = "kiosk.device_timeout"
    status = 504
    message_zh = "终端设备响应超时"


class RecordingStalledError(DeviceTimeoutError):
    """The pickup froze mid-recording (no audio within the stall bound, or past the cap).

    The turn ends at once, so the citizen is not held; the kiosk offers the soft keyboard.
    """

    code = "kiosk.recording_stalled"
    status = 504
    message_zh = "拾音器无响应，请改用屏幕键盘输入，或联系现场工作人员"


class DeviceProtocolError(DeviceError):
    """The device's answer does not match its JSON Schema (GB/T 47483 §8.2)."""

    code = "kiosk.device_protocol"
    status = 502
    message_zh = "终端设备返回的数据格式不正确"


class SessionEndedError(KioskError):
    """The kiosk session ended (card removed, idle, new citizen); start a new one."""

    code = "kiosk.session_ended"
    status = 409
    message_zh = "本次服务已结束，请重新开始"


class CardElsewhereError(KioskError):
    """The citizen's card was read on another worker: its form is held there, not here.

    Personal data never travels between workers (GB/T 47483 §9.4.1 d); the kiosk has the
    citizen read the card again, which lands it on this worker.
    """

    code = "kiosk.card_elsewhere"
    status = 409
    message_zh = "身份证信息需要重新读取，请重新刷卡"


class CardNotReadError(KioskError):
    """No ID card was read in the kiosk's live session."""

    code = "kiosk.card_not_read"
    status = 409
    message_zh = "尚未读取身份证，请先刷卡"


class SessionStoreUnavailableError(KioskError):
    """The shared session store (Redis) does not answer: the session cannot be checked."""

    code = "kiosk.session_unavailable"
    status = 503
    message_zh = "服务暂时繁忙，请稍后再试或联系现场工作人员"


class PrefillError(KioskError):
    """The ID-card data cannot pre-fill the form."""

    code = "kiosk.prefill_error"
    message_zh = "身份证信息无法用于预填"


class PrefillUnavailableError(PrefillError):
    """No SM4/SM3 keys are configured: pre-fill is off."""

    code = "kiosk.prefill_unavailable"
    status = 503
    message_zh = "身份证预填功能未启用，请手动填写"


class IdCardIntegrityError(PrefillError):
    """The SM3 HMAC does not match: the data was altered or the key is wrong (§9.3.2 b)."""

    code = "kiosk.idcard_integrity"
    message_zh = "身份证数据完整性校验失败，请重新读卡"


class IdCardDecryptError(PrefillError):
    """The SM4 ciphertext cannot be decrypted (bad padding, wrong length, bad base64)."""

    code = "kiosk.idcard_decrypt"
    message_zh = "身份证数据解密失败，请重新读卡"


class IdCardFormatError(PrefillError):
    """The decrypted data is not a complete ID-card record."""

    code = "kiosk.idcard_format"
    status = 422
    message_zh = "身份证数据不完整，请重新读卡"


class IdNumberInvalidError(PrefillError):
    """The ID number fails GB 11643 (format, birth date or check digit)."""

    code = "kiosk.id_number_invalid"
    status = 422
    message_zh = "身份证号码校验未通过（GB 11643 校验码），请重新读卡或到窗口办理"


class IdCardExpiredError(PrefillError):
    """The card's validity period has ended."""

    code = "kiosk.idcard_expired"
    status = 422
    message_zh = "身份证已过有效期，请到窗口办理"


class KioskUnauthenticatedError(KioskError):
    """No or an unknown kiosk credential (``X-Kiosk-Token``) where one is required.

    Args:
        reason: Why, for the audit log (``unknown token`` / ``anonymous refused``); never
            the presented token.
    """

    code = "kiosk.unauthenticated"
    status = 401
    message_zh = "终端未通过身份验证，请联系管理员"

    def __init__(self, reason: str = "unknown token") -> None:
        super().__init__()
        self.reason = reason


class KioskForbiddenError(KioskError):
    """The credential belongs to another kiosk than the one named in the request."""

    code = "kiosk.forbidden"
    status = 403
    message_zh = "该终端无权操作其他终端的会话"


class IdCardReplayError(PrefillError):
    """A sealed record issued outside the time window, or whose nonce was already used."""

    code = "kiosk.idcard_replay"
    status = 400
    message_zh = "读卡数据已过期或已使用，请重新读卡"


class AuditUnavailableError(KioskError):
    """The operation could not be recorded in the audit log (§9.3.3 b), so it was not done."""

    code = "kiosk.audit_unavailable"
    status = 503
    message_zh = "服务暂时无法记录本次操作，请稍后再试或手动填写"


class SessionForbiddenError(KioskForbiddenError):
    """The session was started by another terminal (or anonymously, and this one is not)."""

    code = "kiosk.session_forbidden"
    status = 403
    message_zh = "该会话属于其他终端，本终端无权查看、继续或结束"
