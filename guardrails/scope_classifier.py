"""A small scope classifier: TF-IDF over character 1–3-grams + logistic regression.

Trained at warm-up (well under a second) on ``data/scope_train.jsonl``, a labelled set the team
wrote (identity / eligibility / decision requests versus near-miss questions that must be
answered). It never sees the public evaluation sets. Labels: ``answer``,
``scope.identity_auth``, ``scope.eligibility``, ``scope.final_decision``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from guardrails.reasons import ReasonCode

TRAIN_PATH = Path(__file__).parent / "data" / "scope_train.jsonl"
ANSWER = "answer"


@dataclass(frozen=True)
class ScopeExample:
    """One labelled sentence."""

    text: str
    label: str


def read_scope_examples(path: Path) -> list[ScopeExample]:
    """Read JSON lines with ``text`` and ``label``."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [ScopeExample(text=row["text"], label=row["label"]) for row in rows]


class ScopeClassifier:
    """Character n-gram classifier; :meth:`fit` before :meth:`predict`.

    Usage example::

        clf = ScopeClassifier()
        clf.fit(read_scope_examples(TRAIN_PATH))
        clf.predict("我这种情况能不能领低保", threshold=0.6)   # ReasonCode.ELIGIBILITY
    """

    def __init__(self) -> None:
        self._model: Pipeline | None = None

    @property
    def fitted(self) -> bool:
        """True once trained."""
        return self._model is not None

    def fit(self, examples: list[ScopeExample]) -> ScopeClassifier:
        """Train on ``examples`` (deterministic)."""
        model = make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1),
            LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced"),
        )
        model.fit([e.text for e in examples], [e.label for e in examples])
        self._model = model
        return self

    def predict(self, text: str, threshold: float) -> ReasonCode | None:
        """The refuse class whose probability is at least ``threshold``, or None."""
        if self._model is None:
            return None
        vectorizer, regression = self._model[0], self._model[-1]
        scores = (vectorizer.transform([text]) @ regression.coef_.T).ravel() + regression.intercept_
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        label = str(regression.classes_[best])
        if label == ANSWER or probabilities[best] < threshold:
            return None
        return ReasonCode(label)
