"""Typed evaluation cases read from JSON lines files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEV_ROUTING_SET = Path(__file__).parent / "data" / "routing_dev.jsonl"
"""The team's routing dev set (questions written by the team, each with its matter)."""


class RoutingCase(BaseModel):
    """A citizen question and the matters that answer it (any one of them is right).

    Two file formats are read: the team's original ``{"question", "matter_code",
    "category"}`` and the set format ``{"id", "question", "gold_codes": [...], "style",
    "audience"}`` (``style`` becomes the category). ``gold_matter_ids`` (the realdata alias
    set) is read as ``gold_codes``.
    """

    model_config = ConfigDict(frozen=True)

    question: str = Field(min_length=1)
    gold_codes: tuple[str, ...] = Field(min_length=1)
    category: str = "uncategorized"
    audience: str = ""
    case_id: str = ""

    @model_validator(mode="before")
    @classmethod
    def _formats(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "gold_codes" not in data:
            if "matter_code" in data:
                data["gold_codes"] = [data.pop("matter_code")]
            elif "gold_matter_ids" in data:
                data["gold_codes"] = data.pop("gold_matter_ids")
        if "category" not in data:
            data["category"] = data.get("style") or data.get("kind") or "uncategorized"
        if "case_id" not in data and isinstance(data.get("id"), str):
            data["case_id"] = data["id"]
        known = set(cls.model_fields)
        return {k: v for k, v in data.items() if k in known}

    @property
    def matter_code(self) -> str:
        """The first gold matter (sets written before gold became a set have exactly one)."""
        return self.gold_codes[0]


class DatasetError(ValueError):
    """An evaluation file is unreadable; the message names the line."""


def read_routing_cases(path: Path) -> list[RoutingCase]:
    """Read routing cases from JSON lines (either format of :class:`RoutingCase`).

    Raises:
        DatasetError: a line is not JSON or lacks a field.
    """
    cases: list[RoutingCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(RoutingCase.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise DatasetError(f"{path.name} line {number}: {type(exc).__name__}") from None
    return cases
