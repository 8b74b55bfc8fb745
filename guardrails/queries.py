"""The SQL the review queue and the proposal board share: compare-and-set, a counted page.

:func:`compare_and_set` is how a reviewer's step stays correct when two reviewers act on the same
row at once (on PostgreSQL or SQLite): the ``UPDATE`` carries the condition the row was read
under, exactly one of the racing updates matches, and the other raises, so its transaction
writes nothing. :func:`counted_page` is one page of a filtered list with the total behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import DeclarativeBase, Session

RowT = TypeVar("RowT")


def compare_and_set(
    session: Session,
    row: DeclarativeBase,
    where: Sequence[ColumnElement[bool]],
    values: Mapping[str, object],
    lost: Exception,
) -> None:
    """Set ``values`` on ``row`` only if ``where`` still holds in the database, then re-read it.

    Args:
        session: The caller's transaction (nothing is committed here).
        row: The row read earlier in ``session``; its table is the one updated.
        where: Conditions of the ``UPDATE``: the row's id and what it was read under (e.g. its
            status).
        values: Column name -> new value.
        lost: Raised when no row (or more than one) matched: someone changed it since.

    Raises:
        Exception: ``lost``, when the update did not match exactly one row.
    """
    result = session.execute(
        update(type(row))
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise lost
    session.refresh(row)


def counted_page(
    session: Session,
    query: Select[RowT],
    order_by: ColumnElement[Any],
    limit: int,
    offset: int,
) -> tuple[Sequence[RowT], int]:
    """One page of ``query``'s rows in ``order_by`` order, and how many rows it matches in all.

    Args:
        session: Where to read.
        query: A ``select`` of one entity, its filters applied.
        order_by: The page's order (e.g. ``Row.id.desc()``).
        limit: At most this many rows.
        offset: Rows skipped before the page.

    Returns:
        ``(rows, count)``: the page and the total matching ``query``.
    """
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(order_by).limit(limit).offset(offset)).all()
    return rows, count
