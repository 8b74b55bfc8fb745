"""The statistics page (``/stats``, GB/T 47483 §10.1): charts of service and terminal heat.

One Jinja2 page, its script and style sheet, and ECharts (Apache-2.0, vendored from the npm
package ``echarts@6.1.0`` as ``static/echarts.min.js`` with its LICENSE and NOTICE), all served
from this package under the back office's strict Content-Security-Policy; the style sheet
builds on the back office's shared one (:mod:`daoban.pages`). The page calls ``/v1/stats/*``
with the role token kept in ``sessionStorage``.
"""

from __future__ import annotations

from fastapi import APIRouter

from daoban.pages import BACKOFFICE_HEADERS, page_router

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
    return page_router("assistant.stats", PAGE_PATH, ASSETS, BACKOFFICE_HEADERS)
