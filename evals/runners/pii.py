"""The PII evaluation: recall and precision per type of the guard's recognizers.

Gold spans come from JSON lines with ``text`` and ``spans`` ([{start, end, type}]); type names
of the public sets are mapped to :class:`~guardrails.models.PiiType`. A predicted span matches
a gold span of the same type when they overlap by at least half of the gold span.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, computed_field

from evals.metrics import percentile
from guardrails.models import PiiSpan, PiiType
from guardrails.pii.analyzer import PiiAnalyzer

TYPE_MAP: dict[str, set[PiiType]] = {
    "CN_ID_CARD": {PiiType.ID_NUMBER},
    "CN_PHONE": {PiiType.PHONE},
    "BANK_CARD": {PiiType.BANK_CARD},
    "EMAIL": {PiiType.EMAIL},
    "CN_PASSPORT": {PiiType.PASSPORT, PiiType.TRAVEL_PERMIT},
    "PERSON": {PiiType.NAME},
    "ADDRESS": {PiiType.ADDRESS},
    "CN_LICENSE_PLATE": {PiiType.PLATE},
    "SOCIAL_SECURITY": {PiiType.SOCIAL_SECURITY},
}


class GoldSpan(BaseModel):
    """A labelled span."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    type: str


class PiiCase(BaseModel):
    """A text and its gold spans."""

    model_config = ConfigDict(frozen=True)

    set_name: str
    text: str
    spans: list[GoldSpan]


class TypeStats(BaseModel):
    """Counts and rates of one gold type."""

    type: str
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct_predicted: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        """Found / gold."""
        return self.found / self.gold if self.gold else 1.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        """Correct predictions / predictions of the matching types."""
        return self.correct_predicted / self.predicted if self.predicted else 1.0


class PiiReport(BaseModel):
    """Everything ``daoban eval pii`` reports."""

    sets: list[str]
    texts: int
    types: list[TypeStats]
    false_positive_texts: int
    latency_p95_ms: float


CANONICAL: dict[str, str] = {
    "id_number": "CN_ID_CARD", "phone": "CN_PHONE", "bank_card": "BANK_CARD", "email": "EMAIL",
    "passport": "CN_PASSPORT", "travel_permit": "CN_PASSPORT", "name": "PERSON",
    "address": "ADDRESS", "plate": "CN_LICENSE_PLATE", "social_security": "SOCIAL_SECURITY",
}  # fmt: skip
"""Our type names mapped to the public sets' names, so one table covers every set."""


def read_pii_set(path: Path) -> list[PiiCase]:
    """Cases of one JSON-lines file (name from its folder for ``dev.jsonl``).

    Gold types are canonicalised to the public sets' names (``phone`` → ``CN_PHONE``).
    """
    name = path.parent.name if path.name == "dev.jsonl" else path.stem
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        PiiCase(
            set_name=name,
            text=r["text"],
            spans=[{**s, "type": CANONICAL.get(s["type"], s["type"])} for s in r.get("spans", [])],
        )
        for r in rows
    ]


def _overlaps(pred: PiiSpan, gold: GoldSpan) -> bool:
    overlap = min(pred.end, gold.end) - max(pred.start, gold.start)
    return overlap >= max(1, (gold.end - gold.start) / 2)


def evaluate_pii(cases: list[PiiCase], analyzer: PiiAnalyzer) -> PiiReport:
    """Run the analyzer on every text and score it against the gold spans."""
    stats: dict[str, TypeStats] = {}
    latencies: list[float] = []
    fp_texts = 0
    for case in cases:
        started = time.perf_counter()
        predicted = analyzer.analyze(case.text)
        latencies.append((time.perf_counter() - started) * 1000)
        for gold in case.spans:
            cell = stats.setdefault(gold.type, TypeStats(type=gold.type))
            cell.gold += 1
            allowed = TYPE_MAP.get(gold.type, set())
            if any(p.type in allowed and _overlaps(p, gold) for p in predicted):
                cell.found += 1
        if not case.spans and predicted:
            fp_texts += 1
        for pred in predicted:
            gold_type = CANONICAL.get(pred.type.value, pred.type.value)
            cell = stats.setdefault(gold_type, TypeStats(type=gold_type))
            cell.predicted += 1
            if any(pred.type in TYPE_MAP.get(g.type, set()) and _overlaps(pred, g)
                   for g in case.spans):  # fmt: skip
                cell.correct_predicted += 1
    return PiiReport(
        sets=sorted({c.set_name for c in cases}),
        texts=len(cases),
        types=sorted(stats.values(), key=lambda s: s.type),
        false_positive_texts=fp_texts,
        latency_p95_ms=round(percentile(latencies, 95), 4),
    )
