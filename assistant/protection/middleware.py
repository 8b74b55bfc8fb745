"""The protection middleware: sizes, rates, failed logins and security headers.

One pure-ASGI middleware (no body buffering) in front of every route:

1. A body larger than ``max_json_bytes`` (``max_audio_bytes`` on the speech paths) is
   answered 413 ``request.too_large`` — from ``Content-Length`` before anything is read, or
   as soon as a chunked body passes the limit.
2. A caller past its rate gets 429 ``rate.limited`` with ``Retry-After``: kiosks by their
   credential (``X-Kiosk-Token``), reviewers and editors by their bearer token, everyone else
   by address. ``/health`` and ``/metrics`` are not limited (probes and scrapers).
3. An address whose credentials failed (401) ``failed_auth_rate`` times gets 429
   ``auth.throttled`` on every credentialed request until its window passes.
4. Every response carries ``X-Content-Type-Options``, ``Referrer-Policy``,
   ``X-Frame-Options``, a Content-Security-Policy (the page's own when it sets one, with
   ``frame-ancestors 'none'`` added when missing) and, over TLS, ``Strict-Transport-Security``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from fastapi import HTTPException
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.protection.ratelimit import Caller, RateGate, Verdict, fingerprint
from assistant.protection.settings import ProtectionSettings

logger = logging.getLogger(__name__)

UNLIMITED_PATHS = ("/health", "/metrics")
DOCS_PATHS = ("/docs", "/redoc")
KIOSK_HEADER = "x-kiosk-token"

_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_PAGE_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)

MESSAGES = {
    "request.too_large": "提交的内容过大，请精简后重试",
    "rate.limited": "请求过于频繁，请稍后再试",
    "auth.throttled": "验证失败次数过多，请稍后再试",
}

Observer = Callable[[str], None]
"""Called with the rejection code (``rate.limited``, …) for metrics."""


class BodyTooLargeError(HTTPException):
    """The streamed body passed the limit.

    Raised from ``receive``; FastAPI re-raises HTTP errors from body parsing, and the app
    renders it as 413 ``request.too_large``.
    """

    code = "request.too_large"

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=MESSAGES["request.too_large"])


def _client_address(scope: Scope, headers: Headers, trust_forwarded: bool) -> str:
    if trust_forwarded:
        forwarded = headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def identify(scope: Scope, headers: Headers, trust_forwarded: bool) -> tuple[Caller, str]:
    """Whose budget the request spends: kiosk credential, bearer token or client address.

    Credentials are fingerprinted (SHA-256), never kept.
    """
    kiosk = headers.get(KIOSK_HEADER)
    if kiosk:
        return Caller.KIOSK, fingerprint(kiosk)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return Caller.TOKEN, fingerprint(token.strip())
    return Caller.ADDRESS, _client_address(scope, headers, trust_forwarded)


def _json_response(status: int, code: str, extra: list[tuple[bytes, bytes]]) -> list[Message]:
    body = json.dumps({"code": code, "message": MESSAGES[code]}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), *extra]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class ProtectionMiddleware:
    """See the module docstring.

    Args:
        app: The wrapped ASGI app.
        settings: Limits and TLS.
        gate: The rate gate (shared counters).
        observe: Optional callback per rejection code (metrics).
    """

    def __init__(self, app: ASGIApp, *, settings: ProtectionSettings, gate: RateGate,
                 observe: Observer | None = None) -> None:
        self.app = app
        self.settings = settings
        self.gate = gate
        self.observe = observe

    def _body_limit(self, path: str) -> int:
        if path.startswith(self.settings.audio_paths):
            return self.settings.max_audio_bytes
        return self.settings.max_json_bytes

    async def _reject(self, send: Send, status: int, code: str,
                      retry_after: int | None = None) -> None:
        if self.observe is not None:
            self.observe(code)
        extra = [(b"retry-after", str(retry_after).encode())] if retry_after else []
        extra += [(k.encode(), v.encode()) for k, v in self._headers(None, "/", "http").items()]
        for message in _json_response(status, code, extra):
            await send(message)

    def _headers(self, existing_csp: str | None, path: str, scheme: str) -> dict[str, str]:
        headers = {
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
            "permissions-policy": "camera=(), geolocation=(), payment=(), usb=()",
        }
        if existing_csp is None:
            headers["content-security-policy"] = (
                _DOCS_CSP if path.startswith(DOCS_PATHS) else _API_CSP
            )
        elif "frame-ancestors" not in existing_csp:
            headers["content-security-policy"] = existing_csp + "; frame-ancestors 'none'"
        if self.settings.tls or scheme in ("https", "wss"):
            headers["strict-transport-security"] = (
                f"max-age={self.settings.hsts_max_age_s}; includeSubDomains"
            )
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the limits, then call the app with headers added to its response."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        scheme = scope.get("scheme", "http")
        if self.settings.trust_forwarded and headers.get("x-forwarded-proto"):
            scheme = headers["x-forwarded-proto"]
        address = _client_address(scope, headers, self.settings.trust_forwarded)
        scope.setdefault("state", {})["client_address"] = address
        limit = self._body_limit(path)
        if self.settings.enabled and scope["type"] == "http":
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await self._reject(send, 413, "request.too_large")
                return
        if self.settings.enabled and not path.startswith(UNLIMITED_PATHS):
            caller, key = identify(scope, headers, self.settings.trust_forwarded)
            verdict = Verdict(True)
            if caller is not Caller.ADDRESS:
                verdict = self.gate.locked_out(address)
                if not verdict.allowed:
                    await self._deny(scope, send, "auth.throttled", verdict)
                    return
            verdict = self.gate.hit(caller, key)
            if not verdict.allowed:
                logger.info("rate limited", extra={"caller": caller.value})
                await self._deny(scope, send, "rate.limited", verdict)
                return
        await self._forward(scope, receive, send, path, scheme, address, limit)

    async def _deny(self, scope: Scope, send: Send, code: str, verdict: Verdict) -> None:
        if scope["type"] == "websocket":
            if self.observe is not None:
                self.observe(code)
            await send({"type": "websocket.close", "code": 1008, "reason": code})
            return
        await self._reject(send, 429, code, verdict.retry_after_s)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, path: str,
                       scheme: str, address: str, limit: int) -> None:
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if self.settings.enabled and received > limit:
                    raise BodyTooLargeError
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                response_headers = MutableHeaders(scope=message)
                for name, value in self._headers(
                    response_headers.get("content-security-policy"), path, scheme
                ).items():
                    response_headers[name] = value
                if message["status"] == 401 and self.settings.enabled:
                    self.gate.failed_login(address)
            await send(message)

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, counted_receive, secured_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._reject(send, 413, "request.too_large")


def install(app: ASGIApp, settings: ProtectionSettings, redis_url: str | None,
            observe: Observer | None = None) -> tuple[ProtectionMiddleware, RateGate]:
    """Wrap ``app`` (see :class:`ProtectionMiddleware`); returns the wrapper and its gate."""
    gate = RateGate(settings, redis_url)
    return ProtectionMiddleware(app, settings=settings, gate=gate, observe=observe), gate
