"""Timestamps that carry their time zone everywhere they are stored or returned (§9.3.3 b).

PostgreSQL keeps ``timestamp with time zone``; SQLite keeps text without an offset and gives
back naive datetimes. :class:`UtcDateTime` is the column type every package uses instead of
``DateTime(timezone=True)``: values are converted to UTC on the way in (a naive value is taken
as UTC, the only zone the service writes) and come back timezone-aware UTC on every engine.
The database column type is unchanged (``DateTime(timezone=True)``), so adopting it needs no
migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def aware_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is taken to be UTC already (as SQLite returns it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores UTC and always returns aware UTC datetimes.

    Raises:
        TypeError: on binding something that is not a datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        """Aware → UTC, naive → taken as UTC; ``None`` passes."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime takes a datetime, not {type(value).__name__}")
        return aware_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        """The stored value as aware UTC (SQLite's naive text is UTC by the rule above)."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return aware_utc(value)
        return aware_utc(datetime.fromisoformat(str(value)))
