"""The content reviewer's web page (GB/T 47483 §9.4.1 b human review, §9.3.3 b audit).

``GET /review`` serves one Jinja2 page and ``GET /review/static/{name}`` its script, all from
this package; its style sheet is the back office's shared one (:mod:`daoban.pages`). No build
step, no CDN. The page holds no data of its own: it calls the reviewer API (``/v1/review/*``,
``/v1/lexicon/*``) with the role token the reviewer types, kept in ``sessionStorage`` only, and
shows only what that API returns — review items are stored redacted, so the page never sees
personal data.

The HTML is sent with a strict Content-Security-Policy (scripts and styles from this origin
only, no inline script) and ``Cache-Control: no-store``.

Usage example::

    app.include_router(guardrails.web.build_router())
    # a reviewer opens http://127.0.0.1:8000/review
"""

from __future__ import annotations

import hashlib
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from daoban.pages import shared_asset

PAGE_PATH = "/review"
"""Where the reviewer page is served."""

ASSETS: dict[str, str] = {
    "review.js": "text/javascript; charset=utf-8",
}
"""Static files of the page (in ``guardrails/static/``) and their media types."""

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Headers of every response of the page: nothing from elsewhere, nothing inline."""


def build_router() -> APIRouter:
    """Router of the reviewer page: the template and the static files, read once here.

    Returns:
        A router with ``GET /review`` (HTML) and ``GET /review/static/{name}`` (JS),
        left out of the OpenAPI schema; include it in the app next to ``guardrails.api.router``.

    Raises:
        jinja2.TemplateNotFound: The package was installed without its templates.
    """
    package = resources.files("guardrails")
    assets = {name: (package / "static" / name).read_bytes() for name in ASSETS}
    versions = {name: hashlib.sha256(body).hexdigest()[:12] for name, body in assets.items()}
    environment = Environment(
        loader=PackageLoader("guardrails", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    page = environment.get_template("review.html").render(
        asset=lambda name: f"{PAGE_PATH}/static/{name}?v={versions[name]}",
        shared_asset=shared_asset,
        api_prefix="/v1",
    )
    router = APIRouter(tags=["review-page"], include_in_schema=False)

    @router.get(PAGE_PATH, response_class=HTMLResponse)
    def review_page() -> HTMLResponse:
        """The reviewer page (static HTML; data comes from the reviewer API)."""
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

    @router.get(PAGE_PATH + "/static/{name}")
    def review_asset(name: str) -> Response:
        """One static file of the page, cacheable (its URL carries a content hash).

        Raises:
            HTTPException: 404 when ``name`` is not one of :data:`ASSETS`.
        """
        if name not in assets:
            raise HTTPException(status_code=404)
        return Response(
            assets[name],
            media_type=ASSETS[name],
            headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"},
        )

    return router
