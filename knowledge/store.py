"""MatterStore: create, edit, publish, retire and version matters (GB/T 47483 §6.3/§6.4).

Usage example::

    store = MatterStore(make_sessionmaker(engine))
    store.save_draft(content, editor="editor01")
    store.publish("HJ-0004", editor="editor01")      # version 1, snapshot kept
    store.published()                                # what retrieval indexes

The store owns its transactions: each public method commits or rolls back as a whole, so a
failed import leaves nothing half-written. Listeners registered with :meth:`subscribe` are
called after a commit that changed what is published (the retriever rebuilds its index).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from knowledge.errors import (
    FieldIssue,
    MatterNotFoundError,
    MatterStateError,
    UnsafeContentError,
)
from knowledge.models import Matter, MatterContent, MatterStatus
from knowledge.tables import MatterRow, MatterVersionRow

logger = logging.getLogger(__name__)

ChangeListener = Callable[[list[Matter]], None]
"""Called with the full list of published matters after it changed."""

ContentCheck = Callable[[MatterContent], list[str]]
"""Returns the reason codes of unsafe content in a matter (empty when clean); run on every
save, import and publish so a tampered guide cannot reach citizens (GB/T 47483 §9.4.1 a)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _to_matter(row: MatterRow) -> Matter:
    return Matter.model_validate(
        {
            **row.document,
            "status": row.status,
            "version": row.version,
            "editor": row.editor,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


def _document(content: MatterContent) -> dict[str, Any]:
    return MatterContent.model_validate(
        content.model_dump(include=set(MatterContent.model_fields))
    ).model_dump(mode="json")


class MatterStore:
    """Persistent matters with versions, on any SQLAlchemy database (SQLite, PostgreSQL)."""

    def __init__(
        self, session_factory: sessionmaker[Session], *, content_check: ContentCheck | None = None
    ) -> None:
        """Create a store on ``session_factory``; no I/O happens here.

        Args:
            session_factory: sessions on a migrated database.
            content_check: safety scan of matter text (see :data:`ContentCheck`).
        """
        self._sessions = session_factory
        self._listeners: list[ChangeListener] = []
        self._content_check = content_check

    def _check_content(self, content: MatterContent, *, index: int = 0) -> None:
        """Raise when the content check finds unsafe text; ``index`` is the matter's position
        in an import."""
        if self._content_check is None:
            return
        issues = [
            FieldIssue(index=index, code=content.code, field="content", message=reason)
            for reason in self._content_check(content)
        ]
        if issues:
            raise UnsafeContentError(issues)

    def subscribe(self, listener: ChangeListener) -> None:
        """Call ``listener(published_matters)`` after every change to what is published."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        if not self._listeners:
            return
        published = self.published()
        for listener in self._listeners:
            listener(published)

    # -- reading -----------------------------------------------------------------------------

    def count(self, status: MatterStatus | None = None) -> int:
        """Number of matters, optionally of one status."""
        with self._sessions() as session:
            query = select(func.count()).select_from(MatterRow)
            if status is not None:
                query = query.where(MatterRow.status == status.value)
            return int(session.scalar(query) or 0)

    def get(self, code: str) -> Matter:
        """Return the matter with ``code`` in its current state.

        Raises:
            MatterNotFoundError: no such matter.
        """
        with self._sessions() as session:
            row = session.get(MatterRow, code)
            if row is None:
                raise MatterNotFoundError
            return _to_matter(row)

    def list(self, status: MatterStatus | None = None) -> list[Matter]:
        """All matters (optionally of one status), ordered by code."""
        with self._sessions() as session:
            query = select(MatterRow).order_by(MatterRow.code)
            if status is not None:
                query = query.where(MatterRow.status == status.value)
            return [_to_matter(row) for row in session.scalars(query)]

    def published(self) -> list[Matter]:
        """The matters citizens can be told about, each as its last published version.

        A published matter whose draft was edited since keeps serving the published content
        until the edit is published. Ordered by code.
        """
        with self._sessions() as session:
            rows = session.execute(
                select(MatterRow, MatterVersionRow)
                .join(
                    MatterVersionRow,
                    (MatterVersionRow.code == MatterRow.code)
                    & (MatterVersionRow.version == MatterRow.version),
                )
                .where(MatterRow.status == MatterStatus.PUBLISHED.value)
                .order_by(MatterRow.code)
            )
            return [
                Matter.model_validate(
                    {
                        **version.document,
                        "status": row.status,
                        "version": row.version,
                        "editor": version.editor,
                        "created_at": row.created_at,
                        "updated_at": version.created_at,
                    }
                )
                for row, version in rows
            ]

    def versions(self, code: str) -> list[Matter]:
        """Every published version of ``code``, oldest first.

        Raises:
            MatterNotFoundError: no such matter.
        """
        with self._sessions() as session:
            if session.get(MatterRow, code) is None:
                raise MatterNotFoundError
            rows = session.scalars(
                select(MatterVersionRow)
                .where(MatterVersionRow.code == code)
                .order_by(MatterVersionRow.version)
            )
            return [
                Matter.model_validate(
                    {
                        **row.document,
                        "status": row.status,
                        "version": row.version,
                        "editor": row.editor,
                        "created_at": row.created_at,
                        "updated_at": row.created_at,
                    }
                )
                for row in rows
            ]

    # -- writing -----------------------------------------------------------------------------

    def save_draft(self, content: MatterContent, *, editor: str) -> Matter:
        """Create or change a matter's content without publishing it.

        A new matter starts as ``draft``. An edited published matter stays published, and
        :meth:`published` keeps serving its last published version until :meth:`publish`
        cuts a new version from the edited content.
        """
        self._check_content(content)
        with self._sessions.begin() as session:
            row = self._write(session, content, editor=editor, publish=False)
            matter = _to_matter(row)
        return matter

    def publish(self, code: str, *, editor: str) -> Matter:
        """Publish the current content of ``code`` as a new version.

        Raises:
            MatterNotFoundError: no such matter.
        """
        with self._sessions.begin() as session:
            row = session.get(MatterRow, code)
            if row is None:
                raise MatterNotFoundError
            self._check_content(MatterContent.model_validate(row.document))
            self._cut_version(session, row, editor=editor)
            matter = _to_matter(row)
        logger.info("matter published", extra={"matter_code": code, "version": matter.version})
        self._notify()
        return matter

    def retire(self, code: str, *, editor: str) -> Matter:
        """Retire ``code`` (§6.4 退出): no longer routed or answered; versions are kept.

        Raises:
            MatterNotFoundError: no such matter.
            MatterStateError: already retired.
        """
        with self._sessions.begin() as session:
            row = session.get(MatterRow, code)
            if row is None:
                raise MatterNotFoundError
            if row.status == MatterStatus.RETIRED.value:
                raise MatterStateError("该事项已退出，无需重复操作")
            row.status = MatterStatus.RETIRED.value
            row.editor = editor
            row.updated_at = _now()
            matter = _to_matter(row)
        logger.info("matter retired", extra={"matter_code": code})
        self._notify()
        return matter

    def import_matters(
        self,
        contents: Iterable[MatterContent],
        *,
        editor: str,
        publish: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> list[Matter]:
        """Write many matters in one transaction: all of them, or none on any error.

        Args:
            contents: validated matter contents (see :mod:`knowledge.importers`).
            editor: account recorded as the editor of each change.
            publish: publish each matter as a new version (the default for a 实施清单 import).
            progress: called with the number of matters written so far.

        Returns:
            The stored matters, in input order.

        Raises:
            UnsafeContentError: a matter failed the content check (its issues carry its index
                in ``contents``); nothing was written.
        """
        stored: list[Matter] = []
        with self._sessions.begin() as session:
            for index, content in enumerate(contents):
                self._check_content(content, index=index)
                row = self._write(session, content, editor=editor, publish=publish)
                stored.append(_to_matter(row))
                if progress is not None:
                    progress(index + 1)
        logger.info("matters imported", extra={"count": len(stored), "published": publish})
        if publish:
            self._notify()
        return stored

    def _write(
        self, session: Session, content: MatterContent, *, editor: str, publish: bool
    ) -> MatterRow:
        now = _now()
        document = _document(content)
        row = session.get(MatterRow, content.code)
        if row is None:
            row = MatterRow(
                code=content.code,
                name=content.name,
                status=MatterStatus.DRAFT.value,
                version=0,
                editor=editor,
                document=document,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        else:
            row.name = content.name
            row.document = document
            row.editor = editor
            row.updated_at = now
        session.flush()
        if publish:
            self._cut_version(session, row, editor=editor)
        return row

    @staticmethod
    def _cut_version(session: Session, row: MatterRow, *, editor: str) -> None:
        now = _now()
        latest = session.scalar(
            select(func.max(MatterVersionRow.version)).where(MatterVersionRow.code == row.code)
        )
        row.version = int(latest or 0) + 1
        row.status = MatterStatus.PUBLISHED.value
        row.editor = editor
        row.updated_at = now
        session.add(
            MatterVersionRow(
                code=row.code,
                version=row.version,
                status=row.status,
                editor=editor,
                document=dict(row.document),
                created_at=now,
            )
        )
        session.flush()
