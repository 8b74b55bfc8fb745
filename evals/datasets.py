"""Typed evaluation cases read from JSON lines files."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

DEV_ROUTING_SET = Path(__file__).parent / "data" / "routing_dev.jsonl"
"""The team's routing dev set (questions written by the team, each with its matter)."""


class RoutingCase(BaseModel):
    """A citizen question and the matter it should route to."""

    model_config = ConfigDict(frozen=True)

    question: str
    matter_code: str
    category: str = "uncategorized"


class DatasetError(ValueError):
    """An evaluation file is unreadable; the message names the line."""


def read_routing_cases(path: Path) -> list[RoutingCase]:
    """Read routing cases from JSON lines (``question``, ``matter_code``, ``category``).

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
