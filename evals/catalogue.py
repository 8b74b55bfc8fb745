"""A catalogue to evaluate routing on: read a file, import it into a fresh temporary database.

``daoban eval routing --catalogue FILE`` measures on a region's real list, not on whatever the
service database holds. The file is read with the project's importer
(:func:`knowledge.importers.read_matter_file` for daoban YAML/JSON,
:func:`knowledge.importing.read_catalogue` for regional records, as ``daoban kb import`` reads
them). A records file the importer refuses as a whole (``../shared/realdata/*.jsonl``: ``id``,
``name``, ``department``, ... one JSON object a line) is converted here, record by record,
into :class:`~knowledge.models.MatterContent`, skipping the invalid ones, and handed to the
same store API the importer uses.

``strip_aliases`` removes every hand-written name a matter carries besides its official one
(aliases, colloquial names, life situations, English names), to measure routing that does not
depend on them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from pydantic import ValidationError

from assistant.runtime import Runtime, build_runtime
from assistant.settings import Settings
from knowledge.errors import ImportValidationError, UnsafeContentError
from knowledge.importers import read_matter_dir, read_matter_file
from knowledge.importing import read_catalogue as import_catalogue
from knowledge.models import Material, MatterContent, MatterType, TimeLimit

logger = logging.getLogger(__name__)

EVAL_EDITOR = "routing-eval"

_WORKING_DAYS = re.compile(r"(\d+)\s*个?工作日")
_PHONE = re.compile(r"[0-9][0-9\-]{2,19}")


def _working_days(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    found = _WORKING_DAYS.search(text)
    return int(found.group(1)) if found else None


def _phone(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    found = _PHONE.search(text.replace(" ", ""))
    return found.group(0) if found else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def regional_record(record: dict[str, Any]) -> MatterContent:
    """One regional catalogue record (``../shared/realdata`` format) as matter content.

    Raises:
        ValidationError: the record cannot make a valid matter (e.g. no department).
    """
    extra = record.get("extra") or {}
    types = {t.value for t in MatterType}
    legal = _working_days(record.get("legal_time_limit"))
    promised = _working_days(record.get("promised_time_limit"))
    if legal is not None and promised is not None and promised > legal:
        promised = None
    conditions = record.get("conditions")
    payload: dict[str, Any] = {
        "code": str(record["id"]),
        "name": str(record["name"])[:100],
        "department": str(record.get("department") or "")[:100],
        "type": record.get("type") if record.get("type") in types else None,
        "level": str(extra.get("level") or "")[:20],
        "aliases": [a[:100] for a in _strings(extra.get("aliases"))],
        "service_objects": _strings(extra.get("service_object")),
        "conditions": [conditions] if isinstance(conditions, str) and conditions.strip() else [],
        "materials": [Material(name=m[:200]) for m in _strings(record.get("materials"))],
        "time_limit": TimeLimit(legal_working_days=legal, promised_working_days=promised),
        "consultation_phone": _phone(record.get("phone")),
        "complaint_phone": _phone(extra.get("complain_phone")),
        "themes": _strings(extra.get("theme_category")),
        "source": str(record.get("source") or "")[:200],
    }
    return MatterContent.model_validate(payload)


def _is_regional(path: Path) -> bool:
    if path.suffix.lower() != ".jsonl":
        return False
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    try:
        keys = set(json.loads(first))
    except (json.JSONDecodeError, TypeError):
        return False
    return {"id", "name", "department"} <= keys and "code" not in keys


def read_catalogue(path: Path) -> list[MatterContent]:
    """The matters of ``path``: a folder, the importer's formats, or regional records.

    Raises:
        ImportFormatError, ImportValidationError: the importer refuses the file.
        OSError: the file cannot be read.
    """
    if path.is_dir():
        return read_matter_dir(path)
    if not _is_regional(path):
        return read_matter_file(path)
    try:
        # The product's importer (``daoban kb import``): what a region gets is what is measured.
        return import_catalogue(path).contents
    except (ImportValidationError, ValueError):
        pass
    contents: list[MatterContent] = []
    seen: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            content = regional_record(json.loads(line))
        except (ValidationError, KeyError, json.JSONDecodeError):
            continue
        if content.code not in seen:
            seen.add(content.code)
            contents.append(content)
    return contents


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
