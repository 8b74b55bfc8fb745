"""Logging configuration: one call at start-up, structured and free of personal data.

Modules log ids, counts, codes and durations as ``extra`` fields, never citizen text; the
formatter appends the extra fields as ``key=value`` so they are greppable.
"""

from __future__ import annotations

import logging

from asgi_correlation_id import CorrelationIdFilter
from pythonjsonlogger.json import JsonFormatter

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class KeyValueFormatter(logging.Formatter):
    """``time level logger message key=value ...`` with the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` with its extra fields."""
        base = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if not extras:
            return base
        return base + " " + " ".join(f"{k}={v}" for k, v in sorted(extras.items()))


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once (idempotent) on stderr.

    Args:
        level: Python logging level name.
        fmt: ``text`` for key=value lines, ``json`` for one JSON object a line
            (python-json-logger). Both carry the request id (``X-Request-ID``, set by
            asgi-correlation-id) of the request being served.
    """
    root = logging.getLogger()
    root.setLevel(level.upper())
    for noisy in ("jieba", "bm25s", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if any(getattr(h, "_daoban", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationIdFilter(uuid_length=32, default_value="-"))
    if fmt == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"correlation_id": "request_id", "levelname": "level"}))
    else:
        handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler._daoban = True  # type: ignore[attr-defined]
    root.addHandler(handler)
