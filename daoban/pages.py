"""Web pages served by the app: one Jinja2 template and its static files, under strict headers.

The kiosk screen (``assistant.kiosk_page``) and the three back-office pages — reviewer
(``guardrails.web``), statistics (``assistant.stats.web``), editor workbench
(``knowledge.editor.web``) — are each one template and a few static files from their own
package: no build step, no CDN, no web font, so they work offline. The back-office pages share
one stylesheet, ``daoban/static/backoffice.css``, served once by :func:`shared_router` at
:data:`SHARED_PATH` and linked by each page through ``shared_asset(name)`` in its template.

Usage example::

    app.include_router(daoban.pages.shared_router())
    # a back-office template: <link rel="stylesheet" href="{{ shared_asset('backoffice.css') }}">
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

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
