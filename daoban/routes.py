"""The route a request or WebSocket reached, as audit rows name it.

One place for the ``METHOD /path/template`` label that the audit rows of failed logins,
refused privileges and failed kiosk credentials carry (GB/T 47483 §9.2.2 b, §9.3.3 b).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection


def route_label(connection: HTTPConnection) -> str:
    """``"<METHOD> <path template>"`` of the route ``connection`` matched, e.g. ``POST /v1/ask``.

    The path is the route's template (``/v1/review/{item_id}``), never the concrete ids or the
    query string; the raw path only when no route matched yet. A WebSocket has no method and
    reads ``WS``. Raises nothing.
    """
    route = connection.scope.get("route")
    path = str(getattr(route, "path", "") or connection.url.path)
    return f"{connection.scope.get('method', 'WS')} {path}"
