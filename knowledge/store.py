"""MatterStore: create, edit, publish, retire and version matters (GB/T 47483 §6.3/§6.4).

Usage example::

    store = MatterStore(make_sessionmaker(engine))
    store.save_draft(content, editor="editor01")
    store.publish("HJ-0004", editor="editor01")      # version 1, snapshot kept
    store.published()                                # what retrieval indexes

The store owns its transactions: each public method commits or rolls back as a whole, so a
failed import leaves nothing half-written. Listeners registered with :meth:`subscribe` are
called after a commit that changed what is published (the retriever rebuilds its index), once
per import however many matters it published.

An import (:meth:`MatterStore.import_matters`) is one transaction but not hostage to one
matter: a matter the content check flags is kept as a draft for an editor to review (its
reason codes recorded in ``review_flags``) while the rest publish, and a matter whose content
hash did not change is left alone, so re-importing a file is idempotent.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from knowledge.errors import (
    FieldIssue,
    ImportValidationError,
    MatterNotFoundError,
    MatterStateError,
    UnsafeContentError,
)
from knowledge.models import Matter, MatterContent, MatterStatus
from knowledge.tables import MatterRow, MatterVersionRow

logger = logging.getLogger(__name__)

ChangeListener = Callable[[list[Matter]], object]
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


_CONTENT_FIELDS = frozenset(MatterContent.model_fields)


def _document(content: MatterContent) -> dict[str, Any]:
    return content.model_dump(mode="json", include=set(_CONTENT_FIELDS))


def content_hash(document: dict[str, Any]) -> str:
    """sha256 (hex, 64 characters) of a content document in canonical JSON (sorted keys).

    Two imports of the same content give the same hash, whatever the key order of the source.
    """
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_IN_CHUNK = 500
"""Codes per ``IN (...)`` query (well under SQLite's and PostgreSQL's parameter limits)."""


class ImportAction(StrEnum):
    """What an import did with one matter."""

    CREATED = "created"
    """New matter, published as version 1."""
    UPDATED = "updated"
    """Content changed (or a draft was published): a new version was published."""
    UNCHANGED = "unchanged"
    """Same content hash as what is stored: nothing written."""
    DRAFTED = "drafted"
    """Saved as a draft (an import with ``publish=False``)."""
    HELD = "held_for_review"
    """Flagged by the content check: saved as a draft for an editor to review; a published
    version, if any, keeps serving until the editor publishes the change."""
    RETIRED = "retired"
    """The matter was retired (§6.4): its content is updated as a draft, not republished."""


class MatterOutcome(BaseModel):
    """One matter of an import: where it was in the file and what happened to it."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="Position in the imported file, from 0")
    code: str
    name: str
    action: ImportAction
    version: int = Field(description="Published version after the import; 0 if never")
    flags: list[str] = Field(default_factory=list, description="Content-check reason codes")


class ImportResult(BaseModel):
    """What :meth:`MatterStore.import_matters` did, matter by matter, in file order."""

    model_config = ConfigDict(frozen=True)

    outcomes: list[MatterOutcome]

    def count(self, *actions: ImportAction) -> int:
        """Number of matters whose action is one of ``actions``."""
        return sum(1 for o in self.outcomes if o.action in actions)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def published(self) -> int:
        """Matters published by this import (created or updated)."""
        return self.count(ImportAction.CREATED, ImportAction.UPDATED)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def held(self) -> int:
        """Matters held as drafts for review by the content check."""
        return self.count(ImportAction.HELD)


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
        """Raise when the content check finds unsafe text.

        ``index`` is the matter's position in an import.
        """
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

    def notify_subscribers(self) -> None:
        """Call every listener with the published matters now.

        What is published changed in another process (another worker, the CLI), as announced
        by the change feed.
        """
        self._notify()

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

    def held_for_review(self) -> dict[str, builtins.list[str]]:
        """Drafts (or pending edits) an import held for review: code -> content-check reasons."""
        with self._sessions() as session:
            rows = session.execute(
                select(MatterRow.code, MatterRow.review_flags)
                .where(MatterRow.review_flags.is_not(None))
                .order_by(MatterRow.code)
            )
            return {code: list(flags or []) for code, flags in rows}

    def published(self) -> builtins.list[Matter]:
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

    def versions(self, code: str) -> builtins.list[Matter]:
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
            return _to_matter(row)

    def publish(
        self, code: str, *, editor: str, accept_flags: bool = False,
        within: Callable[[Session, Matter], None] | None = None,
    ) -> Matter:
        """Publish the current content of ``code`` as a new version.

        Args:
            code: the matter.
            editor: account recorded with the version.
            accept_flags: the editor reviewed the content check's flags on this matter (an
                import held it as a draft) and publishes it anyway; recorded in the log with
                the reason codes. Without it, flagged content is refused.
            within: called with the open session and the published matter inside the same
                transaction (the audit entry): both are written, or neither.

        Raises:
            MatterNotFoundError: no such matter.
            UnsafeContentError: the content check flags the content and ``accept_flags`` is
                False.
        """
        with self._sessions.begin() as session:
            row = session.get(MatterRow, code)
            if row is None:
                raise MatterNotFoundError
            accepted: list[str] = []
            if accept_flags:
                accepted = self._flags(MatterContent.model_validate(row.document))
            else:
                self._check_content(MatterContent.model_validate(row.document))
            row.review_flags = None
            self._cut_version(session, row, editor=editor)
            matter = _to_matter(row)
            if within is not None:
                within(session, matter)
        if accepted:
            logger.warning(
                "matter published over content flags after review",
                extra={"matter_code": code, "editor": editor, "reason_codes": accepted},
            )
        logger.info("matter published", extra={"matter_code": code, "version": matter.version})
        self._notify()
        return matter

    def retire(
        self, code: str, *, editor: str, within: Callable[[Session, Matter], None] | None = None
    ) -> Matter:
        """Retire ``code`` (§6.4 退出): no longer routed or answered; versions are kept.

        ``within`` is called with the open session and the retired matter inside the same
        transaction (the audit entry): both are written, or neither.

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
            if within is not None:
                within(session, matter)
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
        within: Callable[[Session, ImportResult], None] | None = None,
    ) -> ImportResult:
        """Write many matters in one transaction; flagged matters are held as drafts.

        The content check runs once per matter, before anything is written. A flagged matter
        is saved as a draft with its reason codes (``review_flags``) for an editor to review
        (:meth:`publish` with ``accept_flags``); the others are published (or saved as drafts
        when ``publish`` is False). A matter whose content hash equals the stored one is left
        alone, so importing the same file twice cuts no new version. New rows and versions are
        written with bulk inserts; listeners are notified once, after the commit.

        Args:
            contents: validated matter contents (see :mod:`knowledge.importing`); codes unique.
            editor: account recorded as the editor of each change.
            publish: publish each clean matter as a new version (the default for a 实施清单).
            progress: called with the number of matters processed so far.
            within: called with the open session and the result inside the same transaction
                (the audit entries): the matters and their audit are written, or neither.

        Returns:
            What happened to each matter, in input order.

        Raises:
            ImportValidationError: a code repeats in ``contents``; nothing was written.
        """
        items = list(contents)
        repeated = [c for c, n in Counter(c.code for c in items).items() if n > 1]
        if repeated:
            raise ImportValidationError(
                [
                    FieldIssue(index=-1, code=code, field="code", message="duplicate code")
                    for code in sorted(repeated)
                ]
            )
        flags = [self._flags(content) for content in items]
        documents = [_document(content) for content in items]
        hashes = [content_hash(document) for document in documents]
        now = _now()
        outcomes: list[MatterOutcome] = []
        with self._sessions.begin() as session:
            rows = self._rows(session, [c.code for c in items])
            published_hashes = self._published_hashes(session, [*rows.values()])
            new_rows: list[dict[str, Any]] = []
            new_versions: list[dict[str, Any]] = []
            for index, content in enumerate(items):
                held = flags[index]
                document, digest = documents[index], hashes[index]
                row = rows.get(content.code)
                version_row: dict[str, Any] | None = None
                if row is None:
                    go_live = publish and not held
                    new_rows.append(
                        {
                            "code": content.code,
                            "name": content.name,
                            "status": (
                                MatterStatus.PUBLISHED if go_live else MatterStatus.DRAFT
                            ).value,
                            "version": 1 if go_live else 0,
                            "editor": editor,
                            "document": document,
                            "content_hash": digest,
                            "review_flags": held or None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    if go_live:
                        version_row = {"code": content.code, "version": 1}
                    action = (
                        ImportAction.HELD
                        if held
                        else ImportAction.CREATED
                        if go_live
                        else ImportAction.DRAFTED
                    )
                    version = 1 if go_live else 0
                else:
                    action = self._update(
                        row, content, document, digest, held,
                        published_hash=published_hashes.get(row.code),
                        editor=editor, publish=publish, now=now,
                    )
                    if action is ImportAction.UPDATED:
                        version_row = {"code": row.code, "version": row.version}
                    version = row.version
                if version_row is not None:
                    new_versions.append(
                        {
                            **version_row,
                            "status": MatterStatus.PUBLISHED.value,
                            "editor": editor,
                            "document": document,
                            "content_hash": digest,
                            "created_at": now,
                        }
                    )
                outcomes.append(
                    MatterOutcome(
                        index=index, code=content.code, name=content.name, action=action,
                        version=version, flags=held,
                    )
                )
                if progress is not None:
                    progress(index + 1)
            if new_rows:
                session.execute(insert(MatterRow), new_rows)
            if new_versions:
                session.execute(insert(MatterVersionRow), new_versions)
            result = ImportResult(outcomes=outcomes)
            if within is not None:
                within(session, result)
        logger.info(
            "matters imported",
            extra={
                "count": len(items),
                "published": result.published,
                "held": result.held,
                "unchanged": result.count(ImportAction.UNCHANGED),
            },
        )
        if result.published:
            self._notify()
        return result

    def _flags(self, content: MatterContent) -> builtins.list[str]:
        if self._content_check is None:
            return []
        return list(dict.fromkeys(self._content_check(content)))  # each reason once

    @staticmethod
    def _rows(session: Session, codes: Sequence[str]) -> dict[str, MatterRow]:
        rows: dict[str, MatterRow] = {}
        for start in range(0, len(codes), _IN_CHUNK):
            chunk = codes[start : start + _IN_CHUNK]
            rows.update(
                (row.code, row)
                for row in session.scalars(select(MatterRow).where(MatterRow.code.in_(chunk)))
            )
        return rows

    @staticmethod
    def _published_hashes(session: Session, rows: Sequence[MatterRow]) -> dict[str, str]:
        """Content hash of each row's current published version (rows never published: none)."""
        wanted = {row.code: row.version for row in rows if row.version > 0}
        codes = list(wanted)
        hashes: dict[str, str] = {}
        for start in range(0, len(codes), _IN_CHUNK):
            chunk = codes[start : start + _IN_CHUNK]
            for version in session.scalars(
                select(MatterVersionRow).where(MatterVersionRow.code.in_(chunk))
            ):
                if wanted[version.code] == version.version:
                    hashes[version.code] = version.content_hash or content_hash(version.document)
        return hashes

    @staticmethod
    def _update(
        row: MatterRow,
        content: MatterContent,
        document: dict[str, Any],
        digest: str,
        held: builtins.list[str],
        *,
        published_hash: str | None,
        editor: str,
        publish: bool,
        now: datetime,
    ) -> ImportAction:
        """Apply an imported content to an existing row; return what was done.

        The caller writes the version row of an ``UPDATED`` outcome (``row.version`` is set).
        """
        current = row.content_hash or content_hash(row.document)
        if current != digest:
            row.name = content.name
            row.document = document
            row.content_hash = digest
            row.editor = editor
            row.updated_at = now
        elif row.content_hash is None:
            row.content_hash = digest
        if held:
            row.review_flags = held
            return ImportAction.HELD
        if row.review_flags is not None:
            row.review_flags = None
        if row.status == MatterStatus.RETIRED.value:
            return ImportAction.RETIRED
        live = row.status == MatterStatus.PUBLISHED.value and published_hash == digest
        if live or (not publish and current == digest):
            return ImportAction.UNCHANGED
        if not publish:
            return ImportAction.DRAFTED
        row.version += 1
        row.status = MatterStatus.PUBLISHED.value
        row.editor = editor
        row.updated_at = now
        return ImportAction.UPDATED

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
                content_hash=content_hash(document),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        else:
            row.name = content.name
            row.document = document
            row.content_hash = content_hash(document)
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
                content_hash=row.content_hash or content_hash(row.document),
                created_at=now,
            )
        )
        session.flush()
