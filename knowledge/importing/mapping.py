r"""Field-mapping files: how the columns of a region's CSV/XLSX 实施清单 become matter fields.

A mapping is YAML (see ``knowledge/mappings/*.yaml`` for documented examples)::

    name: 某区政务服务事项实施清单           # what the list is (shown in reports)
    source: 某区政务服务网 2026-06 实施清单   # recorded as each matter's source
    sheet: 实施清单                        # XLSX sheet (default: the first)
    header_row: 1                          # 1-based row holding the column headers
    encoding: utf-8-sig                    # CSV only
    delimiter: ","                         # CSV only
    columns:                               # source column header -> matter field
      事项编码: code
      事项名称: name
      申请材料: materials
      法定办结时限: legal_time_limit        # 20个工作日, 20, 即办, 90个自然日
    split:                                 # list fields given as one cell: separator regex
      materials: "[；;\n]"
    values:                                # recode a field's values (e.g. type codes)
      type: {"01": 行政许可, "07": 行政确认}
    defaults:                              # constants for blank or unmapped fields
      level: 区级

Targets are the fields of :class:`knowledge.importing.guide.GuideFields`. Several columns may
map to one field (their texts are joined by line breaks). Headers are compared with all white
space removed, so a header wrapped over two lines in the spreadsheet still matches.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from daoban.yaml_text import load_yaml
from knowledge.errors import FieldIssue, ImportFormatError
from knowledge.importing.guide import GUIDE_FIELD_NAMES


def header_key(header: object) -> str:
    """A column header as compared with a mapping: text with every white space removed."""
    return re.sub(r"\s+", "", str(header)) if header is not None else ""


class FieldMapping(BaseModel):
    """A validated mapping file (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="", max_length=200, description="What the list is")
    source: str = Field(default="", max_length=200, description="Recorded as matter source")
    sheet: str | None = Field(default=None, description="XLSX sheet name; None: the first")
    header_row: int = Field(default=1, ge=1, le=100, description="1-based header row")
    encoding: str = Field(default="utf-8-sig", description="CSV text encoding")
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="CSV delimiter")
    columns: dict[str, str] = Field(min_length=1, description="Column header -> matter field")
    split: dict[str, str] = Field(default_factory=dict, description="Field -> separator regex")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Field -> {source value: value}"
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="Field -> constant for blank or unmapped cells"
    )

    @field_validator("columns")
    @classmethod
    def _known_targets(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted({t for t in columns.values() if t not in GUIDE_FIELD_NAMES})
        if unknown:
            raise ValueError(
                f"unknown matter fields {unknown}; use: {', '.join(sorted(GUIDE_FIELD_NAMES))}"
            )
        return {header_key(h): t for h, t in columns.items()}

    @field_validator("split", "values", "defaults")
    @classmethod
    def _known_fields(cls, mapping: dict[str, object]) -> dict[str, object]:
        unknown = sorted(k for k in mapping if k not in GUIDE_FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown matter fields {unknown}")
        return mapping

    @field_validator("split")
    @classmethod
    def _valid_patterns(cls, split: dict[str, str]) -> dict[str, str]:
        for name, pattern in split.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"split.{name}: invalid regular expression ({exc})") from None
        return split

    @model_validator(mode="after")
    def _code_and_name(self) -> FieldMapping:
        targets = set(self.columns.values())
        missing = [f for f in ("code", "name") if f not in targets]
        if missing:
            raise ValueError(f"a column must map to {' and '.join(missing)}")
        return self

    def fields_of(self, header: list[str]) -> dict[int, str]:
        """Column positions of ``header`` (keys from :func:`header_key`) -> matter field.

        Raises:
            ImportFormatError: a mapped column is not in the header (all missing are listed).
        """
        positions = {key: i for i, key in enumerate(header) if key}
        missing = [h for h in self.columns if h not in positions]
        if missing:
            raise ImportFormatError(
                [
                    FieldIssue(index=-1, code=None, field=h, message="mapped column not found")
                    for h in missing
                ]
            )
        return {positions[h]: field for h, field in self.columns.items()}


def load_mapping(path: Path) -> FieldMapping:
    """Read and validate a mapping file.

    Raises:
        ImportFormatError: unreadable YAML or an invalid mapping (every problem listed).
    """
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportFormatError(
            [FieldIssue(index=-1, code=None, field="mapping", message=type(exc).__name__)]
        ) from None
    try:
        return FieldMapping.model_validate(data)
    except ValidationError as exc:
        raise ImportFormatError(
            [
                FieldIssue(
                    index=-1,
                    code=None,
                    field="mapping." + ".".join(str(p) for p in error["loc"]),
                    message=error["msg"],
                )
                for error in exc.errors(include_input=False, include_url=False)
            ]
        ) from None
