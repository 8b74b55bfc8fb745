"""The content reviewer's web page (GB/T 47483 §9.4.1 b human review, §9.3.3 b audit).

``GET /review`` serves one Jinja2 page and ``GET /review/static/{name}`` its script, all from
this package; its style sheet is the back office's shared one (:mod:`daoban.pages`). No build
step, no CDN. The page holds no data of its own: it calls the reviewer API (``/v1/review/*``,
``/v1/lexicon/*``) with the role token the reviewer types, kept in ``sessionStorage`` only, and
shows only what that API returns — review items are stored redacted, so the page never sees
personal data.

The HTML is sent with the back office's strict Content-Security-Policy
(:data:`daoban.pages.BACKOFFICE_HEADERS`: scripts and styles from this origin only, no inline
script) and ``Cache-Control: no-store``.

Usage example::

    app.include_router(guardrails.web.build_router())
    # a reviewer opens http://127.0.0.1:8000/review
"""

from __future__ import annotations

from fastapi import APIRouter

from daoban.pages import BACKOFFICE_HEADERS, page_router

PAGE_PATH = "/review"
"""Where the reviewer page is served."""

ASSETS: dict[str, str] = {
    "review.js": "text/javascript; charset=utf-8",
}
"""Static files of the page (in ``guardrails/static/``) and their media types."""


def build_router() -> APIRouter:
    """Router of the reviewer page: the template and the static files, read once here.

    Returns:
        A router with ``GET /review`` (HTML) and ``GET /review/static/{name}`` (JS),
        left out of the OpenAPI schema; include it in the app next to ``guardrails.api.router``
        and :func:`daoban.pages.shared_router` (the style sheet).

    Raises:
        jinja2.TemplateNotFound: The package was installed without its templates.
    """
    return page_router("guardrails", PAGE_PATH, ASSETS, BACKOFFICE_HEADERS)
