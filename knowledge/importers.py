"""Read and write matter files (JSON or YAML): the editor's import and export.

A file is a list of matters (or ``{"matters": [...]}``). :func:`parse_matters` validates the
whole file before anything is written and reports every problem by matter and field, so a bad
file is rejected whole.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from knowledge.errors import FieldIssue, ImportFormatError, ImportValidationError
from knowledge.models import Matter, MatterContent

FileFormat = Literal["json", "yaml"]


def detect_format(path: Path) -> FileFormat:
    """``json`` for ``*.json``/``*.jsonl``, ``yaml`` otherwise."""
    return "json" if path.suffix.lower() in {".json", ".jsonl"} else "yaml"


def _load(text: str, fmt: FileFormat) -> Any:
    try:
        if fmt == "json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ImportFormatError([FieldIssue(index=-1, code=None, field="", message=str(exc))])\
            from None


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
    data = _load(text, fmt)
    if isinstance(data, dict) and "matters" in data:
        data = data["matters"]
    if not isinstance(data, list) or not data:
        raise ImportFormatError(
            [FieldIssue(index=-1, code=None, field="", message="expected a non-empty list")]
        )
    issues: list[FieldIssue] = []
    contents: list[MatterContent] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        code = item.get("code") if isinstance(item, dict) else None
        code = code if isinstance(code, str) else None
        if not isinstance(item, dict):
            issues.append(FieldIssue(index=index, code=None, field="", message="not an object"))
            continue
        payload = {k: v for k, v in item.items() if k not in _BOOKKEEPING}
        try:
            content = MatterContent.model_validate(payload)
        except ValidationError as exc:
            issues.extend(
                FieldIssue(
                    index=index,
                    code=code,
                    field=".".join(str(part) for part in error["loc"]),
                    message=error["msg"],
                )
                for error in exc.errors(include_input=False)
            )
            continue
        if content.code in seen:
            issues.append(
                FieldIssue(
                    index=index,
                    code=content.code,
                    field="code",
                    message=f"duplicate code, first at index {seen[content.code]}",
                )
            )
            continue
        seen[content.code] = index
        contents.append(content)
    if issues:
        raise ImportValidationError(issues)
    return contents


_BOOKKEEPING = frozenset({"status", "version", "editor", "created_at", "updated_at"})


def read_matter_file(path: Path) -> list[MatterContent]:
    """Read and validate a JSON or YAML matter file (see :func:`parse_matters`).

    Raises:
        ImportFormatError: unreadable file.
        ImportValidationError: invalid matters.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(
            [FieldIssue(index=-1, code=None, field="", message=type(exc).__name__)]
        ) from None
    return parse_matters(text, detect_format(path))


def dump_matters(matters: list[Matter], fmt: FileFormat) -> str:
    """Serialize matters (content plus status/version) as JSON or YAML, re-importable."""
    data = [m.model_dump(mode="json", exclude_none=True) for m in matters]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


BUNDLED_SAMPLES_DIR = Path(__file__).with_name("samples")
"""The bundled SAMPLE matters (written by the team from public facts; not any region's list)."""


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
