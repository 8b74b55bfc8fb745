"""Web pages served by the app: one Jinja2 template and its static files, under strict headers.

The kiosk screen (``assistant.kiosk_page``) and the three back-office pages — reviewer
(``guardrails.web``), statistics (``assistant.stats.web``), editor workbench
(``knowledge.editor.web``) — are each one template and a few static files from their own
package: no build step, no CDN, no web font, so they work offline. The back-office pages share
one frame, ``daoban/templates/backoffice.html`` (head, title bar, messages, token login), and
one stylesheet, ``daoban/static/backoffice.css``, served once by :func:`shared_router` at
:data:`SHARED_PATH` and linked by the frame through ``shared_asset(name)``.
:func:`page_router` builds each page's router; the back-office pages send
:data:`BACKOFFICE_HEADERS`, the kiosk screen its own (it also plays audio and uses the
microphone).

Usage example::

    router = daoban.pages.page_router(  # templates/review.html, static/review.js
        "guardrails", "/review", {"review.js": "text/javascript; charset=utf-8"},
        daoban.pages.BACKOFFICE_HEADERS,
    )
    app.include_router(router)
    app.include_router(daoban.pages.shared_router())  # once, for every back-office page
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

SHARED_PATH = "/backoffice/static"
"""Where the back-office pages' shared static files are served."""

SHARED_ASSETS: dict[str, str] = {"backoffice.css": "text/css; charset=utf-8"}
"""Shared static files (in ``daoban/static/``) and their media types."""

BACKOFFICE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Headers of every back-office response: nothing from elsewhere, nothing inline."""

ASSET_CACHE = "public, max-age=3600"
"""``Cache-Control`` of a static file (its URL carries a content hash, so a change is fetched)."""

PAGE_CACHE = "no-store"
"""``Cache-Control`` of a page's HTML."""

API_PREFIX = "/v1"
"""Where the pages' scripts find the API (``api_prefix`` in every template)."""


def version(body: bytes) -> str:
    """The content hash put in an asset's URL: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(body).hexdigest()[:12]


@cache
def _shared_bodies() -> dict[str, bytes]:
    package = resources.files("daoban")
    return {name: (package / "static" / name).read_bytes() for name in SHARED_ASSETS}


def shared_asset(name: str) -> str:
    """URL of a shared static file with its content hash, e.g. ``/backoffice/static/x.css?v=…``.

    Raises:
        KeyError: ``name`` is not one of :data:`SHARED_ASSETS`.
    """
    return f"{SHARED_PATH}/{name}?v={version(_shared_bodies()[name])}"


def add_asset_route(
    router: APIRouter,
    prefix: str,
    bodies: Mapping[str, bytes],
    media_types: Mapping[str, str],
    headers: Mapping[str, str],
) -> None:
    """Add ``GET {prefix}/{name}`` to ``router``: one of ``bodies``, cacheable, with ``headers``.

    Args:
        router: Where the route goes.
        prefix: URL path before the file name, without a trailing slash.
        bodies: File name -> content, read once by the caller.
        media_types: File name -> ``Content-Type`` (same keys as ``bodies``).
        headers: Security headers sent with every file.

    The route answers 404 (:class:`fastapi.HTTPException`) for any other name.
    """

    @router.get(prefix + "/{name}")
    def static_asset(name: str) -> Response:
        """One static file, cacheable (its URL carries a content hash)."""
        if name not in bodies:
            raise HTTPException(status_code=404)
        return Response(
            bodies[name],
            media_type=media_types[name],
            headers={**headers, "Cache-Control": ASSET_CACHE},
        )


def shared_router() -> APIRouter:
    """Router of ``GET /backoffice/static/{name}``: the back-office pages' shared files.

    Include it once in the app, next to the pages that link its files (not in the OpenAPI
    schema).

    Raises:
        FileNotFoundError: The package was installed without ``daoban/static``.
    """
    router = APIRouter(tags=["backoffice-static"], include_in_schema=False)
    add_asset_route(router, SHARED_PATH, _shared_bodies(), SHARED_ASSETS, BACKOFFICE_HEADERS)
    return router


def page_router(
    package: str,
    path: str,
    assets: Mapping[str, str],
    headers: Mapping[str, str],
    **context: object,
) -> APIRouter:
    """Router of one page: ``GET {path}`` (HTML) and ``GET {path}/static/{name}`` (its files).

    A page is named by its path: ``/review`` is the template ``{package}/templates/review.html``
    and the OpenAPI tag ``review-page``. The template (which may extend ``backoffice.html``, the
    back-office pages' frame in ``daoban/templates/``) is rendered once here with ``asset(name)``
    (URL of one of ``assets`` with its content hash), ``shared_asset(name)`` (see
    :func:`shared_asset`), ``api_prefix`` (:data:`API_PREFIX`) and ``context``; the files
    (``{package}/static/{name}``) are read once here too. The HTML is sent with ``headers`` and
    ``no-store``, the files with ``headers`` and :data:`ASSET_CACHE`; both routes are left out
    of the OpenAPI schema.

    Args:
        package: The package holding ``templates/`` and ``static/``, e.g. ``"guardrails"``.
        path: URL path of the page, one segment, e.g. ``"/review"``.
        assets: File name in ``static/`` -> its ``Content-Type``; any other name is 404.
        headers: Security headers (Content-Security-Policy and the like) of every response.
        **context: Further template variables, e.g. ``hotline="12345"``.

    Returns:
        A router to include in the app.

    Raises:
        jinja2.TemplateNotFound: The package was installed without its templates.
        FileNotFoundError: The package was installed without one of ``assets``.
    """
    page_name = path.strip("/")
    files = resources.files(package)
    bodies = {name: (files / "static" / name).read_bytes() for name in assets}
    versions = {name: version(body) for name, body in bodies.items()}
    environment = Environment(
        loader=ChoiceLoader(
            [PackageLoader(package, "templates"), PackageLoader("daoban", "templates")]
        ),
        autoescape=select_autoescape(["html"]),
    )
    html = environment.get_template(f"{page_name}.html").render(
        asset=lambda name: f"{path}/static/{name}?v={versions[name]}",
        shared_asset=shared_asset,
        api_prefix=API_PREFIX,
        **context,
    )
    router = APIRouter(tags=[f"{page_name}-page"], include_in_schema=False)

    @router.get(path, response_class=HTMLResponse)
    def page() -> HTMLResponse:
        """The page: static HTML; its data comes from the API."""
        return HTMLResponse(html, headers={**headers, "Cache-Control": PAGE_CACHE})

    add_asset_route(router, path + "/static", bodies, assets, headers)
    return router
