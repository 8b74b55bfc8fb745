"""A catalogue to evaluate routing on: read a file, import it into a fresh temporary database.

``daoban eval routing --catalogue FILE`` measures on a region's real list, not on whatever the
service database holds. The file is read by the product's importer,
:func:`knowledge.importing.read_catalogue` (``daoban kb import``: daoban YAML/JSON, regional
records such as ``../shared/realdata/*.jsonl``), a folder by
:func:`knowledge.importers.read_matter_dir`, so what a region gets is what is measured. Where
the importer refuses a records file for some invalid records, the evaluation runs on the rest:
the records it names are left out and the others go through the same importer.

``strip_aliases`` removes every hand-written name a matter carries besides its official one
(aliases, colloquial names, life situations, English names), to measure routing that does not
depend on them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from assistant.runtime import Runtime, build_runtime
from assistant.settings import Settings
from knowledge.errors import ImportValidationError, UnsafeContentError
from knowledge.importers import read_matter_dir
from knowledge.importing import read_catalogue as import_catalogue
from knowledge.importing.records import is_record, parse_records
from knowledge.models import MatterContent

logger = logging.getLogger(__name__)

EVAL_EDITOR = "routing-eval"


def _jsonl_records(path: Path) -> list[Any] | None:
    """The records of a ``*.jsonl`` catalogue file, or None when it is no records file."""
    if path.suffix.lower() != ".jsonl":
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return items if items and all(is_record(item) for item in items) else None


def read_catalogue(path: Path) -> list[MatterContent]:
    """The matters of ``path`` (a folder, or one file ``daoban kb import`` reads).

    A records file the importer refuses is read without the records its refusal names
    (invalid ones, and later records repeating a code): the rest, as the importer makes them.

    Raises:
        ImportFormatError: the importer cannot read the file.
        ImportValidationError: the importer refuses a file that holds no catalogue records.
        OSError: the file cannot be read.
    """
    if path.is_dir():
        return read_matter_dir(path)
    try:
        return import_catalogue(path).contents
    except ImportValidationError as refused:
        records = _jsonl_records(path)
        if records is None:
            raise
        left_out = {issue.index for issue in refused.errors}
    logger.info("%s: %d of %d records refused by the importer, left out",
                path.name, len(left_out), len(records))  # fmt: skip
    return parse_records([r for i, r in enumerate(records) if i not in left_out]).contents


def strip_aliases(content: MatterContent) -> MatterContent:
    """``content`` without any hand-written name besides the official one."""
    return content.model_copy(
        update={
            "aliases": [],
            "colloquial_names": [],
            "situations": [],
            "english_name": "",
            "english_aliases": [],
        }
    )


@contextmanager
def catalogue_runtime(
    contents: list[MatterContent], settings: Settings, *, database_url: str | None = None
) -> Iterator[tuple[Runtime, list[str]]]:
    """A runtime on a fresh temporary SQLite database holding just ``contents``, published.

    Matters the content check refuses are left out (the import helper's drafts); their codes
    are yielded with the runtime so the report can say how many. The database is deleted on
    exit. With ``database_url`` that database is used (and kept) instead, so the semantic
    channel's cached vectors serve the next run; it should hold no other matters.
    """
    with TemporaryDirectory(prefix="daoban-eval-") as folder:
        settings = settings.model_copy(
            update={
                "database_url": database_url or f"sqlite:///{folder}/catalogue.db",
                "knowledge": settings.knowledge.model_copy(
                    update={"load_samples_on_first_start": False}
                ),
            }
        )
        runtime = build_runtime(settings)
        refused: list[str] = []
        try:
            pending = list(contents)
            while pending:
                try:
                    runtime.store.import_matters(pending, editor=EVAL_EDITOR, publish=True)
                    break
                except UnsafeContentError as exc:
                    flagged = {issue.code for issue in exc.errors if issue.code}
                    if not flagged:
                        raise
                    refused.extend(sorted(flagged))
                    pending = [c for c in pending if c.code not in flagged]
            yield runtime, refused
        finally:
            runtime.close()
