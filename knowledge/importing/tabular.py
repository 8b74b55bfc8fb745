"""CSV and XLSX 实施清单 (implementation lists) through a field mapping.

Each data row below the mapping's header row is one matter; blank rows are skipped. Cells are
read as the spreadsheet shows them (XLSX formulas as their cached values), mapped to
:class:`knowledge.importing.guide.GuideFields` by the mapping, then normalised and validated
like every other format (:func:`knowledge.importing.guide.build_payload`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from knowledge.errors import FieldIssue, ImportFormatError
from knowledge.importing.guide import (
    Cell,
    GuideFields,
    ParsedCatalogue,
    build_payload,
    validate_payloads,
)
from knowledge.importing.mapping import FieldMapping, header_key

TabularFormat = Literal["csv", "xlsx"]

TABULAR_SUFFIXES: dict[str, TabularFormat] = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


def _error(message: str) -> ImportFormatError:
    return ImportFormatError([FieldIssue(index=-1, code=None, field="", message=message)])


def csv_rows(path: Path, mapping: FieldMapping) -> Iterator[list[Cell]]:
    """The rows of a CSV file as cells (text).

    Raises:
        ImportFormatError: unreadable, or not in the mapping's encoding.
    """
    try:
        text = path.read_text(encoding=mapping.encoding)
    except (OSError, UnicodeDecodeError, LookupError) as exc:
        raise _error(f"CSV not readable as {mapping.encoding}: {type(exc).__name__}") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    for row in reader:
        yield list(row)


def xlsx_rows(path: Path, mapping: FieldMapping) -> Iterator[list[Cell]]:
    """The rows of an XLSX sheet (the mapping's, or the first) as cells.

    Raises:
        ImportFormatError: not an XLSX workbook, or no such sheet.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError) as exc:
        raise _error(f"not an XLSX workbook: {type(exc).__name__}") from None
    try:
        if mapping.sheet is not None and mapping.sheet not in workbook.sheetnames:
            raise _error("sheet not found: " + mapping.sheet)
        sheet = workbook[mapping.sheet] if mapping.sheet is not None else workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_xlsx_cell(v) for v in row]
    finally:
        workbook.close()


def _xlsx_cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def row_fields(row: Sequence[Cell], columns: dict[int, str], mapping: FieldMapping) -> GuideFields:
    """The guide fields of one data row under ``mapping`` (recoded values, defaults)."""
    values: dict[str, Cell] = {}
    for position, target in columns.items():
        cell = row[position] if position < len(row) else None
        if _blank(cell):
            continue
        if isinstance(cell, str):
            cell = cell.strip()
        recode = mapping.values.get(target)
        if recode is not None and str(cell) in recode:
            cell = recode[str(cell)]
        if target in values:  # several columns -> one field: join their texts
            values[target] = f"{values[target]}\n{cell}"
        else:
            values[target] = cell
    for target, constant in mapping.defaults.items():
        if target not in values:
            values[target] = constant
    return GuideFields(
        **values,  # type: ignore[arg-type]  # keys are GUIDE_FIELD_NAMES (mapping validated)
        source=mapping.source,
        split=dict(mapping.split),
    )


def parse_tabular(path: Path, mapping: FieldMapping, fmt: TabularFormat) -> ParsedCatalogue:
    """Read a CSV/XLSX 实施清单 through ``mapping`` and validate every row as a matter.

    Matter indexes in problems count data rows from 0 (blank rows skipped).

    Raises:
        ImportFormatError: unreadable file, missing header row or mapped columns, no rows.
        ImportValidationError: rows whose matters are invalid (every problem listed).
    """
    rows = csv_rows(path, mapping) if fmt == "csv" else xlsx_rows(path, mapping)
    header: list[str] | None = None
    payloads: list[dict[str, Any]] = []
    notes: list[list[str]] = []
    columns: dict[int, str] = {}
    for number, row in enumerate(rows, start=1):
        if number < mapping.header_row:
            continue
        if header is None:
            header = [header_key(cell) for cell in row]
            columns = mapping.fields_of(header)
            continue
        if all(_blank(cell) for cell in row):
            continue
        payload, row_notes = build_payload(row_fields(row, columns, mapping))
        payloads.append(payload)
        notes.append(row_notes)
    if header is None:
        raise _error(f"no header row (row {mapping.header_row})")
    if not payloads:
        raise _error("no data rows below the header")
    return validate_payloads(payloads, fmt=fmt, notes=notes)
