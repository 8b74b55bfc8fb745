"""Check the scope rail's clause-embedding gates against the rail without them (issue 9).

The gates (:data:`~guardrails.rails.scope.VETO_CHARS`, :data:`~guardrails.rails.scope.CLAUSE_SURE`,
:data:`~guardrails.rails.scope.MAX_CLAUSE_EMBEDS`) were calibrated on the team's tune sets with
the act classifier of their day. Whoever retrains the act classifier (new training data, new
features) reruns this: every question is screened twice in one process — with the gates and
with the rules' veto asked of every clause, every clause of a text with a sign of a request
judged — and the decisions that differ are listed (the redacted text, never a held-out half or
an evaluate-only set). With the e5 encoder installed both runs use the same vectors (the
embedder's query cache); without it the gates do nothing and nothing can differ.

Usage::

    python -m evals.bench.clause_gates            # the tune sets of evals/data
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
from pydantic import BaseModel

from evals.safety_sets import TEAM_DATA_DIR, read_safety_set
from guardrails.encoder import TextEncoder
from guardrails.models import ScreenedQuery
from guardrails.policy import Guardrails, build_guardrails
from guardrails.rails import scope
from guardrails.settings import GuardrailSettings
from guardrails.tables import memory_sessionmaker

TUNE_SETS = (
    "act_requests_tune.jsonl",
    "near_miss_tune.jsonl",
    "scope_dev.jsonl",
    "routing_gd_tune.jsonl",
    "routing_dev.jsonl",
    "out_of_scope_dev.jsonl",
)
"""The team's sets the gates were calibrated on (never a held-out half)."""

UNGATED: Mapping[str, float] = {
    "VETO_CHARS": 2.0,  # above any probability: the veto is asked of every clause
    "CLAUSE_SURE": scope.CLAUSE_CHECK,  # any sign of a request judges the clauses
    "MAX_CLAUSE_EMBEDS": 10**6,  # every clause
}
"""The scope rail's constants that turn the gates off (its behaviour before them)."""


class GateChange(BaseModel):
    """One question decided differently with the gates: (refusal, declined kinds) each way."""

    set_name: str
    text: str
    """The screened (redacted) text."""
    ungated: str
    gated: str


class GateReport(BaseModel):
    """Per set: questions, decisions changed, passes that embedded a clause each way."""

    questions: dict[str, int]
    changed: dict[str, int]
    embedding_ungated: dict[str, int]
    embedding_gated: dict[str, int]
    changes: list[GateChange]


@contextmanager
def ungated() -> Iterator[None]:
    """The scope rail without its clause-embedding gates, restored on exit."""
    saved = {name: getattr(scope, name) for name in UNGATED}
    try:
        for name, value in UNGATED.items():
            setattr(scope, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(scope, name, value)


class _Counting:
    """The encoder, counting the texts a screening asks for."""

    def __init__(self, inner: TextEncoder) -> None:
        self._inner = inner
        self.model_id = inner.model_id
        self.asked: list[str] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """The inner encoder's vectors; ``texts`` are remembered."""
        self.asked += texts
        return self._inner.encode_queries(texts)


def _decision(screened: ScreenedQuery) -> str:
    refusal = screened.refusal.reason_code if screened.refusal is not None else "-"
    kinds = ",".join(f"{a.kind.value}@{a.start}-{a.end}" for a in screened.declined)
    return f"{refusal} declined[{kinds}]"


def _retrieval_text(screened: ScreenedQuery) -> str:
    return screened.text if screened.refusal is not None else screened.question_text


def compare(
    guard: Guardrails, questions: Mapping[str, Sequence[str]], counter: _Counting | None = None
) -> GateReport:
    """Screen every question with and without the gates and compare.

    Args:
        guard: A warmed guard (its scope rail's module constants are switched).
        questions: Questions by set name.
        counter: The counting encoder ``guard`` was built with, if any: passes that asked
            for a vector other than the one retrieval embeds are counted.
    """
    runs: list[list[tuple[str, str, bool]]] = []
    for gates_off in (True, False):
        with ungated() if gates_off else _nothing():
            run: list[tuple[str, str, bool]] = []
            for texts in questions.values():
                for text in texts:
                    guard.classifiers.topic.forget_recent()  # each pass pays its own work
                    if guard.classifiers.acts is not None:
                        guard.classifiers.acts.forget_recent()
                    if counter is not None:
                        counter.asked.clear()
                    screened = guard.input.screen(text)
                    shared = _retrieval_text(screened)
                    embeds = counter is not None and any(t != shared for t in counter.asked)
                    run.append((_decision(screened), screened.text, embeds))
            runs.append(run)
    report = GateReport(
        questions={}, changed={}, embedding_ungated={}, embedding_gated={}, changes=[]
    )
    position = 0
    for name, texts in questions.items():
        report.questions[name] = len(texts)
        for _ in texts:
            (before, redacted, embeds_before), (after, _, embeds_after) = (
                runs[0][position], runs[1][position],
            )  # fmt: skip
            position += 1
            report.embedding_ungated[name] = report.embedding_ungated.get(name, 0) + embeds_before
            report.embedding_gated[name] = report.embedding_gated.get(name, 0) + embeds_after
            if before != after:
                report.changed[name] = report.changed.get(name, 0) + 1
                report.changes.append(GateChange(
                    set_name=name, text=redacted, ungated=before, gated=after
                ))  # fmt: skip
    return report


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _cached_e5() -> TextEncoder | None:
    """multilingual-e5 with a query cache big enough for both runs, or None."""
    try:
        from knowledge.e5 import E5Embedder
    except ImportError:
        return None
    embedder = E5Embedder(threads=1, query_cache_size=1 << 16)
    return embedder if embedder.warm_up().available else None


def main(names: Sequence[str] = TUNE_SETS) -> GateReport:
    """Build the guard with e5 (when installed) and compare on the team's tune sets."""
    e5 = _cached_e5()
    counter = _Counting(e5) if e5 is not None else None
    guard = build_guardrails(GuardrailSettings(), memory_sessionmaker(), encoder=counter)
    guard.warm_up()
    questions = {
        path.stem: [case.prompt for case in read_safety_set(path)]
        for path in (TEAM_DATA_DIR / name for name in names)
        if path.is_file()
    }
    return compare(guard, questions, counter)


if __name__ == "__main__":
    import sys

    sys.stdout.write(main().model_dump_json(indent=1) + "\n")
