"""The editor workbench page (``/editor``, 知识编辑工作台, GB/T 47483 §6.3–6.4).

One Jinja2 page, its script and style sheet, served from this package under the reviewer
page's strict Content-Security-Policy (no inline script, nothing from elsewhere). The page
calls the editor API (``/v1/catalogue``, ``/v1/matters/{code}/…``) with the role token kept
in ``sessionStorage``; every text goes into the page through ``textContent``.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from daoban.pages import shared_asset
from guardrails.web import SECURITY_HEADERS

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
    package = resources.files("knowledge.editor")
    assets = {name: (package / "static" / name).read_bytes() for name in ASSETS}
    versions = {name: hashlib.sha256(body).hexdigest()[:12] for name, body in assets.items()}
    environment = Environment(
        loader=PackageLoader("knowledge.editor", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    page = environment.get_template("editor.html").render(
        asset=lambda name: f"{PAGE_PATH}/static/{name}?v={versions[name]}",
        shared_asset=shared_asset,
        api_prefix="/v1",
    )
    router = APIRouter(tags=["editor-page"], include_in_schema=False)

    @router.get(PAGE_PATH, response_class=HTMLResponse)
    def editor_page() -> HTMLResponse:
        """The editor page (static HTML; data from the editor API)."""
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

    @router.get(PAGE_PATH + "/static/{name}")
    def editor_asset(name: str) -> Response:
        """One static file of the page.

        Raises:
            HTTPException: 404 for any other name.
        """
        if name not in assets:
            raise HTTPException(status_code=404)
        return Response(
            assets[name], media_type=ASSETS[name],
            headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"},
        )  # fmt: skip

    return router
