"""The citizen's kiosk screen (一屏导办, GB/T 47483 §5, §7.1 e, §7.4, §7.6 a).

``GET /kiosk`` serves one Jinja2 page and ``GET /kiosk/static/{name}`` its script and style
sheet, all from this package: no build step, no CDN, no web font, so it works offline. It lives
in ``assistant`` (not ``kiosk_bridge``) because it is the citizen's face of the assistant turn —
it shows ``/v1/ask`` answers, routes and follow-ups — while ``kiosk_bridge`` speaks to the
kiosk's devices; the page calls the bridge only over HTTP (session start / status / end).

The page holds no data of its own and keeps nothing in browser storage: it calls ``/v1/ask``,
``/v1/matters/{code}`` (phones), ``/v1/tts``, ``/v1/asr``, ``/v1/feedback`` and the bridge's
``/v1/kiosk/{kiosk_id}/session*``; it clears itself when the bridge's session ends (card
removed, idle timeout, new citizen). Responses carry a strict Content-Security-Policy (script,
style, media only from this origin and blob: audio; no inline script) and ``no-store``.

Usage example::

    app.include_router(assistant.kiosk_page.build_router())
    # the kiosk's browser shell opens http://127.0.0.1:8000/kiosk?kiosk=K1
"""

from __future__ import annotations

from fastapi import APIRouter

from daoban.pages import page_router

PAGE_PATH = "/kiosk"
"""Where the kiosk page is served."""

ASSETS: dict[str, str] = {
    "kiosk.js": "text/javascript; charset=utf-8",
    "kiosk.css": "text/css; charset=utf-8",
}
"""Static files of the page (in ``assistant/static/``) and their media types."""

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; media-src 'self' blob:; form-action 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
}
"""Headers of every response of the page: nothing from elsewhere, nothing inline."""


def build_router(hotline: str = "12345") -> APIRouter:
    """Router of the kiosk page: the template and the static files, read once here.

    Args:
        hotline: The government service hotline shown on every screen (§7.1 e).

    Returns:
        A router with ``GET /kiosk`` (HTML) and ``GET /kiosk/static/{name}`` (JS, CSS), left
        out of the OpenAPI schema.

    Raises:
        jinja2.TemplateNotFound: The package was installed without its templates.
    """
    return page_router("assistant", PAGE_PATH, ASSETS, SECURITY_HEADERS, hotline=hotline)
