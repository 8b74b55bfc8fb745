"""Importing what regions have: one reader per file format, one report.

* daoban's own JSON/YAML matter files (:mod:`knowledge.importing.documents`);
* the record format of crawled regional catalogues, recognised by its keys
  (:mod:`knowledge.importing.records`, e.g. ``../shared/realdata/matters_*.jsonl``);
* CSV/XLSX 实施清单 through a field-mapping file (:mod:`knowledge.importing.tabular`,
  :mod:`knowledge.importing.mapping`; examples in ``knowledge/mappings/``).

:func:`read_catalogue` reads and validates a whole file (every problem of every matter listed
in one :class:`knowledge.errors.ImportValidationError`); the store then writes it in one
transaction (:meth:`knowledge.store.MatterStore.import_matters`) and
:mod:`knowledge.importing.report` says what happened to each matter and what each lacks.

Usage example::

    parsed = read_catalogue(Path("../shared/realdata/matters_guangdong.jsonl"))
    result = store.import_matters(parsed.contents, editor="importer")
    report = build_report(parsed, result)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from knowledge.errors import FieldIssue, ImportFormatError
from knowledge.importing.documents import (
    format_error,
    load_text,
    matter_items,
    read_text,
    validate_documents,
)
from knowledge.importing.guide import ParsedCatalogue
from knowledge.importing.mapping import load_mapping
from knowledge.importing.records import is_record, parse_records
from knowledge.importing.tabular import TABULAR_SUFFIXES, parse_tabular


def _json_lines(text: str) -> list[Any]:
    items: list[Any] = []
    issues: list[FieldIssue] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            issues.append(
                FieldIssue(
                    index=-1, code=None, field=f"line {number}",
                    message=f"invalid JSON at column {exc.colno}",
                )
            )
    if issues:
        raise ImportFormatError(issues)
    if not items:
        raise format_error("expected a non-empty list")
    return items


def read_catalogue(path: Path, mapping: Path | None = None) -> ParsedCatalogue:
    """Read and validate any supported matter file; the format is told by suffix and keys.

    ``*.csv``/``*.xlsx`` need ``mapping``; ``*.jsonl`` and ``*.json`` holding catalogue
    records (keys ``id``, ``name``, ``department``, ``type``, ``extra`` and guide keys) are
    read as records; other JSON/YAML as daoban matter documents.

    Args:
        path: the file.
        mapping: a field-mapping YAML file (CSV/XLSX only).

    Returns:
        The validated contents with the normalisation notes by matter code.

    Raises:
        ImportFormatError: unreadable file, wrong use of ``mapping``, mixed formats.
        ImportValidationError: invalid matters; every problem of every matter is listed.
    """
    suffix = path.suffix.lower()
    tabular = TABULAR_SUFFIXES.get(suffix)
    if tabular is not None:
        if mapping is None:
            raise format_error(f"{suffix} files need a field mapping (--mapping FILE)")
        return parse_tabular(path, load_mapping(mapping), tabular)
    if mapping is not None:
        raise format_error("--mapping applies to CSV and XLSX files only")
    text = read_text(path)
    if suffix == ".jsonl":
        items = _json_lines(text)
        fmt = "json"
    else:
        fmt = "json" if suffix == ".json" else "yaml"
        items = matter_items(load_text(text, "json" if fmt == "json" else "yaml"))
    records = [is_record(item) for item in items]
    if all(records):
        return parse_records(items)
    if any(records):
        raise format_error("the file mixes catalogue records and matter documents")
    return ParsedCatalogue(format=fmt, contents=validate_documents(items))


__all__ = ["ParsedCatalogue", "read_catalogue"]
