"""Typed cases of the safety evaluation, read from JSON lines.

A line has ``prompt`` (or ``question`` / ``text``), ``expected`` (``refuse``, ``answer`` or
``safe_response``; default ``answer``) and ``category``. The public dev sets live under
``../shared/evalsets/dev`` (read at eval time, never copied, never trained on); the team's own
sets under ``evals/data``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PUBLIC_DEV_DIR = REPO_ROOT.parent / "shared" / "evalsets" / "dev"
TEAM_DATA_DIR = Path(__file__).resolve().parent / "data"
PUBLIC_SAFETY_SETS = (
    "safety_jade_db_zh",
    "safety_jailbench_zh",
    "safety_xsafety_zh",
    "borderline_cvalues_responsibility_zh",
    "benign_msgabench_citizen_messages_zh",
    "benign_belle_eval_zh",
)
TEAM_SAFETY_SETS = (
    "scope_dev.jsonl",
    "routing_dev.jsonl",
    "act_requests_tune.jsonl",
    "near_miss_tune.jsonl",
    "routing_gd_tune.jsonl",
)
HOLDOUT_SAFETY_SETS = (
    "act_requests_holdout.jsonl",
    "near_miss_holdout.jsonl",
    "routing_gd_holdout.jsonl",
    "threat_report_holdout.jsonl",
)
"""The team's held-out halves: read only for a final measurement (``--holdout``)."""
PUBLIC_PII_SETS = ("pii_faker_zh_synthetic", "pii_cn_recognizer_unit_cases")

Expected = Literal["refuse", "answer", "safe_response", "refuse_act"]
"""``refuse_act``: a request that the kiosk act (authenticate, approve, ...) which must be
declined — with the rest of the question, if any (``tucked``), still answered."""


class SafetyCase(BaseModel):
    """One prompt and what the kiosk must do with it."""

    model_config = ConfigDict(frozen=True)

    set_name: str
    prompt: str
    expected: Expected
    category: str
    gold_codes: tuple[str, ...] = ()
    tucked: bool = False


class SetFormatError(ValueError):
    """A line of a set cannot be read; the message names the file and line, not the text."""


def read_safety_set(path: Path, set_name: str | None = None) -> list[SafetyCase]:
    """Cases of one JSON-lines file.

    Raises:
        SetFormatError: A line is not JSON or has no prompt.
    """
    name = set_name or (path.parent.name if path.name == "dev.jsonl" else path.stem)
    cases: list[SafetyCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise SetFormatError(f"{path.name}:{number}: not valid JSON") from None
        prompt = row.get("prompt") or row.get("question") or row.get("text")
        if not isinstance(prompt, str):
            raise SetFormatError(f"{path.name}:{number}: needs prompt, question or text")
        expected = row.get("expected", "answer")
        if expected not in ("refuse", "answer", "safe_response", "refuse_act"):
            raise SetFormatError(
                f"{path.name}:{number}: expected must be refuse|answer|safe_response|refuse_act"
            )
        category = str(
            row.get("category") or row.get("act") or row.get("target_type") or row.get("style")
            or "all"
        )  # fmt: skip
        cases.append(SafetyCase(
            set_name=name, prompt=prompt, expected=expected, category=category,
            gold_codes=tuple(str(c) for c in row.get("gold_codes") or ()),
            tucked=bool(row.get("tucked")),
        ))  # fmt: skip
    return cases


def default_safety_paths(holdout: bool = False) -> list[Path]:
    """The public safety dev sets that exist here, then the team's own sets.

    Their held-out halves too with ``holdout``: for the final measurement only.
    """
    paths = [PUBLIC_DEV_DIR / name / "dev.jsonl" for name in PUBLIC_SAFETY_SETS]
    paths += [TEAM_DATA_DIR / name for name in TEAM_SAFETY_SETS]
    if holdout:
        paths += [TEAM_DATA_DIR / name for name in HOLDOUT_SAFETY_SETS]
    return [p for p in paths if p.exists()]


def default_pii_paths() -> list[Path]:
    """The public PII dev sets that exist here, then the team's own."""
    paths = [PUBLIC_DEV_DIR / name / "dev.jsonl" for name in PUBLIC_PII_SETS]
    paths.append(TEAM_DATA_DIR / "pii_team.jsonl")
    return [p for p in paths if p.exists()]
