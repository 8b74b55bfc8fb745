"""Import with life-cycle status: a matter marked ``status: retired`` is retired (§6.4).

The importer validates content only (bookkeeping fields are dropped); this module reads the
``status`` each entry declares and, for ``retired`` ones, saves the content as the matter's
draft and retires it instead of publishing a new version. Used by ``daoban kb import`` and the
editor page, so both give the same report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from daoban.yaml_text import load_yaml
from knowledge.errors import MatterStateError
from knowledge.importers import FileFormat
from knowledge.models import MatterContent, MatterStatus
from knowledge.store import ImportAction, ImportResult, MatterOutcome, MatterStore


def declared_statuses(text: str, fmt: FileFormat) -> dict[str, MatterStatus]:
    """Code → the ``status`` an entry of the file declares (entries without one are left out).

    Call after :func:`knowledge.importers.parse_matters` accepted ``text``.
    """
    data: Any = load_yaml(text) if fmt == "yaml" else json.loads(text)
    if isinstance(data, dict):
        data = data.get("matters")
    found: dict[str, MatterStatus] = {}
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            try:
                found[item["code"]] = MatterStatus(str(item.get("status")))
            except ValueError:
                continue
    return found


def import_catalogue(
    store: MatterStore,
    contents: list[MatterContent],
    statuses: dict[str, MatterStatus],
    *,
    editor: str,
    publish: bool,
) -> ImportResult:
    """Import ``contents``; entries declared retired are retired, the rest imported as usual.

    Returns:
        One outcome per matter in input order (``retired`` for the retired ones).

    Raises:
        ImportValidationError: as :meth:`MatterStore.import_matters`.
    """
    retired = [c for c in contents if statuses.get(c.code) is MatterStatus.RETIRED]
    rest = [c for c in contents if statuses.get(c.code) is not MatterStatus.RETIRED]
    by_code: dict[str, MatterOutcome] = {}
    if rest:
        for o in store.import_matters(rest, editor=editor, publish=publish).outcomes:
            by_code[o.code] = o
    if retired:
        drafted = store.import_matters(retired, editor=editor, publish=False)
        for o in drafted.outcomes:
            try:
                matter = store.retire(o.code, editor=editor)
                version = matter.version
            except MatterStateError:  # already retired: its content was updated, that is all
                version = store.get(o.code).version
            by_code[o.code] = o.model_copy(
                update={"action": ImportAction.RETIRED, "version": version}
            )
    return ImportResult(
        outcomes=[
            by_code[c.code].model_copy(update={"index": i}) for i, c in enumerate(contents)
        ]
    )


def file_statuses(path: Path, parsed_format: str) -> dict[str, MatterStatus]:
    """The statuses a daoban JSON/YAML matter file declares (other formats declare none).

    Call after :func:`knowledge.importing.read_catalogue` accepted ``path``.
    """
    if parsed_format not in ("json", "yaml") or path.suffix.lower() == ".jsonl":
        return {}
    text = path.read_text(encoding="utf-8")
    return declared_statuses(text, "json" if parsed_format == "json" else "yaml")
