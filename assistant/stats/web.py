"""The statistics page (``/stats``, GB/T 47483 §10.1): charts of service and terminal heat.

One Jinja2 page, its script and style sheet, and ECharts (Apache-2.0, vendored from the npm
package ``echarts@6.1.0`` as ``static/echarts.min.js`` with its LICENSE and NOTICE), all served
from this package under the reviewer page's strict Content-Security-Policy. The page calls
``/v1/stats/*`` with the role token kept in ``sessionStorage``.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from daoban.pages import shared_asset
from guardrails.web import SECURITY_HEADERS

PAGE_PATH = "/stats"

ASSETS: dict[str, str] = {
    "stats.js": "text/javascript; charset=utf-8",
    "stats.css": "text/css; charset=utf-8",
    "echarts.min.js": "text/javascript; charset=utf-8",
    "ECHARTS_LICENSE": "text/plain; charset=utf-8",
    "ECHARTS_NOTICE": "text/plain; charset=utf-8",
}


def build_router() -> APIRouter:
    """Router of ``GET /stats`` and ``GET /stats/static/{name}`` (not in the OpenAPI schema).

    Raises:
        jinja2.TemplateNotFound: the package was installed without its templates.
    """
    package = resources.files("assistant.stats")
    assets = {name: (package / "static" / name).read_bytes() for name in ASSETS}
    versions = {name: hashlib.sha256(body).hexdigest()[:12] for name, body in assets.items()}
    environment = Environment(
        loader=PackageLoader("assistant.stats", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    page = environment.get_template("stats.html").render(
        asset=lambda name: f"{PAGE_PATH}/static/{name}?v={versions[name]}",
        shared_asset=shared_asset,
        api_prefix="/v1",
    )
    router = APIRouter(tags=["stats-page"], include_in_schema=False)

    @router.get(PAGE_PATH, response_class=HTMLResponse)
    def stats_page() -> HTMLResponse:
        """The statistics page (static HTML; data from the statistics API)."""
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

    @router.get(PAGE_PATH + "/static/{name}")
    def stats_asset(name: str) -> Response:
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
