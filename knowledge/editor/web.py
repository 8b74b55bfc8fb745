"""The editor workbench page (``/editor``, 知识编辑工作台, GB/T 47483 §6.3–6.4).

One Jinja2 page, its script and style sheet (which builds on the back office's shared one),
served from this package under the back office's strict Content-Security-Policy
(:mod:`daoban.pages`: no inline script, nothing from elsewhere). The page calls the editor API
(``/v1/catalogue``, ``/v1/matters/{code}/…``) with the role token kept in ``sessionStorage``;
every text goes into the page through ``textContent``.
"""

from __future__ import annotations

from fastapi import APIRouter

from daoban.pages import BACKOFFICE_HEADERS, page_router

PAGE_PATH = "/editor"

ASSETS: dict[str, str] = {
    "editor.js": "text/javascript; charset=utf-8",
    "editor.css": "text/css; charset=utf-8",
}


def build_router() -> APIRouter:
    """Router of ``GET /editor`` and ``GET /editor/static/{name}`` (not in the OpenAPI schema).

    Raises:
        jinja2.TemplateNotFound: the package was installed without its templates.
    """
    return page_router("knowledge.editor", PAGE_PATH, ASSETS, BACKOFFICE_HEADERS)
