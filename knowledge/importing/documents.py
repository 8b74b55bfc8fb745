"""daoban's own matter files (JSON or YAML): the editor's import and export.

A file is a list of matters (or ``{"matters": [...]}``) in the shape of
:class:`knowledge.models.MatterContent`; status, version, editor and timestamps (written by
:func:`dump_matters`) are ignored on import. :func:`parse_matters` validates the whole file
before anything is written and reports every problem by matter and field, so a bad file is
rejected whole.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import yaml

from daoban.yaml_text import load_yaml
from knowledge.errors import FieldIssue, ImportFormatError, ImportValidationError
from knowledge.importing.guide import MatterValidation
from knowledge.models import Matter, MatterContent

FileFormat = Literal["json", "yaml"]

BOOKKEEPING = frozenset({"status", "version", "editor", "created_at", "updated_at"})
"""Fields of an exported :class:`Matter` that an import ignores."""


def detect_format(path: Path) -> FileFormat:
    """``json`` for ``*.json``/``*.jsonl``, ``yaml`` otherwise."""
    return "json" if path.suffix.lower() in {".json", ".jsonl"} else "yaml"


def format_error(message: str) -> ImportFormatError:
    """An :class:`ImportFormatError` about the whole file (index -1)."""
    return ImportFormatError([FieldIssue(index=-1, code=None, field="", message=message)])


def load_text(text: str, fmt: FileFormat) -> Any:
    """Parse ``text`` as JSON or YAML.

    Raises:
        ImportFormatError: not parseable (the parser's message names line and column only).
    """
    try:
        if fmt == "json":
            return json.loads(text)
        return load_yaml(text)
    except json.JSONDecodeError as exc:
        raise format_error(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise format_error(f"invalid YAML{where}") from None


def matter_items(data: Any) -> list[Any]:
    """The list of matters of a parsed file (a list, or ``{"matters": [...]}``).

    Raises:
        ImportFormatError: anything else, or an empty list.
    """
    if isinstance(data, dict) and "matters" in data:
        data = data["matters"]
    if not isinstance(data, list) or not data:
        raise format_error("expected a non-empty list")
    return data


def validate_documents(items: list[Any]) -> list[MatterContent]:
    """Validate matter documents; refuse them all listing every problem of every matter.

    Raises:
        ImportValidationError: one or more matters are invalid, or codes repeat; ``errors``
            lists every problem as (matter index, code, field, message), without input values.
    """
    validation = MatterValidation()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            validation.issues.append(
                FieldIssue(index=index, code=None, field="", message="not an object")
            )
            continue
        validation.add(index, {k: v for k, v in item.items() if k not in BOOKKEEPING})
    return validation.contents()


def parse_matters(text: str, fmt: FileFormat) -> list[MatterContent]:
    """Parse and validate matter contents from ``text``.

    Args:
        text: the file's content (UTF-8 decoded).
        fmt: ``json`` or ``yaml``.

    Returns:
        The validated contents, in file order.

    Raises:
        ImportFormatError: not JSON/YAML, or not a list of matter objects.
        ImportValidationError: one or more matters are invalid, or codes repeat; ``errors``
            lists every problem as (matter index, code, field, message).
    """
    return validate_documents(matter_items(load_text(text, fmt)))


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path`` (a BOM is dropped).

    Raises:
        ImportFormatError: unreadable or not UTF-8.
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise format_error(type(exc).__name__) from None


def read_matter_file(path: Path) -> list[MatterContent]:
    """Read and validate a JSON or YAML matter file (see :func:`parse_matters`).

    Raises:
        ImportFormatError: unreadable file.
        ImportValidationError: invalid matters.
    """
    return parse_matters(read_text(path), detect_format(path))


def dump_matters(matters: list[Matter], fmt: FileFormat) -> str:
    """Serialize matters (content plus status/version) as JSON or YAML, re-importable.

    ``None`` values are kept: a material whose form the guide does not state must not come
    back as the default (original).
    """
    data = [m.model_dump(mode="json") for m in matters]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def read_matter_dir(folder: Path) -> list[MatterContent]:
    """Read every ``*.yaml``/``*.yml``/``*.json`` file of ``folder`` as one import.

    Raises:
        ImportValidationError: a file is invalid, or a code repeats across files.
    """
    contents: list[MatterContent] = []
    issues: list[FieldIssue] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
            continue
        try:
            contents.extend(read_matter_file(path))
        except ImportValidationError as exc:
            issues.extend(
                issue.model_copy(update={"field": f"{path.name}:{issue.field}"})
                for issue in exc.errors
            )
    counts = Counter(c.code for c in contents)
    issues.extend(
        FieldIssue(index=-1, code=code, field="code", message="duplicate code across files")
        for code in sorted(code for code, n in counts.items() if n > 1)
    )
    if issues:
        raise ImportValidationError(issues)
    return contents
