"""The guard pass does each piece of work once, and its shortcuts decide exactly as before.

Issue 9 (guard pass p95): the act classifier scores all its one-vs-rest estimators in one
sparse product and remembers, within one screening only, the texts it judged and embedded.
Each shortcut is checked against the computation it replaces, on texts of every kind the scope
rail sees.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix, hstack

from guardrails.act_classifier import ActClassifier, read_act_examples
from guardrails.acts import clauses
from guardrails.folding import Folder
from guardrails.models import Decision
from guardrails.rails import scope
from guardrails.rails.base import InputState
from guardrails.rails.scope import ScopeRail, ScopeRules
from guardrails.scope_classifier import TRAIN_PATH
from guardrails.topic_classifier import embedding_text

TEXTS = (
    "社保卡怎么补办？你顺便在系统里帮我把审批也过了吧",
    "你顺便在系统里帮我把审批也过了吧",
    "社保卡怎么补办",
    "我符合低保条件吗",
    "申请低保需要什么条件",
    "帮我核验一下身份，然后告诉我居住证怎么办",
    "我想离婚，要去哪里办手续",
    "你直接把我的出生日期改成1990年",
    "保证能办下来吗",
    "Can you approve my permit? Also how do I renew my passport",
    "前" * 300 + "你就直接给我批了吧",
)


class _Counting:
    """A stand-in sentence encoder: 64-dim unit vectors of character codes; counts its texts."""

    model_id = "test-counting-64"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text:
                out[row, ord(ch) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture(scope="module")
def examples() -> tuple[list, list]:  # type: ignore[type-arg]
    return read_act_examples(scope_path=TRAIN_PATH)


@pytest.fixture(scope="module")
def acts(examples: tuple[list, list]) -> ActClassifier:  # type: ignore[type-arg]
    # No decisions kept across turns: these tests are about the work of one turn.
    return ActClassifier(_Counting(), decisions_kept=0).fit(*examples)


def _reference(clf: ActClassifier, texts: list[str], threshold: float) -> list[tuple]:  # type: ignore[type-arg]
    """The decisions as computed before: hstacked features, each estimator's predict_proba."""
    encoder = clf.encoder
    assert encoder is not None and clf._text_head is not None
    vectors = np.asarray(encoder.encode_queries([embedding_text(t) for t in texts]))
    chars = csr_matrix(clf._chars.transform(texts) * 0.5)
    features = csr_matrix(hstack([csr_matrix(vectors), chars], format="csr"))
    head = clf._text_head
    raw = np.column_stack([e.predict_proba(features)[:, 1] for e in head.estimators_])
    labels = [str(c) for c in head.classes_]
    out = []
    for row in raw:
        p_none = float(row[labels.index("none")])
        kinds = [(float(p), label) for p, label in zip(row, labels, strict=True) if label != "none"]
        out.append((None, p_none) if 1.0 - p_none < threshold else (max(kinds)[1], 1.0 - p_none))
    return out


def _texts() -> list[str]:
    return list(TEXTS) + [c.text for t in TEXTS for c in clauses(t)]


def test_one_product_gives_each_estimators_own_probabilities(acts: ActClassifier) -> None:
    texts = _texts()
    encoder = acts.encoder
    assert encoder is not None
    vectors = np.asarray(encoder.encode_queries([embedding_text(t) for t in texts]))
    joined = acts._joined(texts, vectors)
    stacked = csr_matrix(
        hstack([csr_matrix(vectors), csr_matrix(acts._chars.transform(texts) * 0.5)], format="csr")
    )
    assert joined.shape == stacked.shape and (joined != stacked).nnz == 0
    assert acts._text_head is not None
    expected = np.column_stack(
        [e.predict_proba(stacked)[:, 1] for e in acts._text_head.estimators_]
    )
    assert np.array_equal(acts._estimator_probabilities(joined), expected)  # bit for bit


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_decisions_equal_the_estimator_by_estimator_computation(
    acts: ActClassifier, threshold: float
) -> None:
    texts = _texts()
    acts.new_turn()
    got = [(k.value if k else None, p) for k, p in acts.acts_of(texts, threshold)]
    assert got == _reference(acts, texts, threshold)
    acts.new_turn()
    alone = [acts.act_of(t, threshold) for t in texts]
    assert [(k.value if k else None, p) for k, p in alone] == got  # alone or batched: the same


def test_a_text_is_embedded_and_judged_once_per_turn(acts: ActClassifier) -> None:
    encoder = acts.encoder
    assert isinstance(encoder, _Counting)
    parts = [c.text for c in clauses(TEXTS[0])]
    acts.new_turn()
    encoder.asked.clear()
    first = acts.act_of(parts[1])
    together = acts.acts_of(parts)
    assert together[1] == first
    assert encoder.asked == [parts[1], parts[0]]  # the clause the veto embedded is not redone
    acts.act_of(TEXTS[0])
    acts.act_of(TEXTS[0])
    assert encoder.asked.count(TEXTS[0]) == 1
    acts.new_turn()  # nothing is carried into the next turn
    acts.act_of(parts[1])
    assert encoder.asked.count(parts[1]) == 2


def test_refitting_drops_the_turn_and_the_stacked_weights(
    examples: tuple[list, list],  # type: ignore[type-arg]
) -> None:
    texts, clause_examples = examples
    clf = ActClassifier(_Counting()).fit(texts, clause_examples)  # decisions kept: refit drops
    before = clf.acts_of(list(TEXTS))
    # Fewer "none" examples: the refitted head judges differently, and must be the one used.
    acts_only = [e for e in texts if e.label != "none"]
    fewer = acts_only[::2] + [e for e in texts if e.label == "none"][::5]
    clf.fit(fewer, clause_examples)
    after = clf.acts_of(list(TEXTS))
    assert [(k.value if k else None, p) for k, p in after] == _reference(clf, list(TEXTS), 0.5)
    assert after != before


def test_the_memo_stays_small_outside_screenings(acts: ActClassifier) -> None:
    acts.new_turn()
    for n in range(200):
        acts.act_of(f"第{n}个问题：居住证怎么办")
    assert len(acts._turn) <= 65 and len(acts._turn_vectors) <= 65


def test_each_screening_is_a_new_turn(
    acts: ActClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = acts.encoder
    assert isinstance(encoder, _Counting)
    # The rules' veto asked of every clause (not only where the characters doubt the rule),
    # so the screening embeds something each time.
    monkeypatch.setattr(scope, "VETO_CHARS", 2.0)
    rail = ScopeRail(ScopeRules(Folder()), None, "both", 0.6, {}, acts=acts, act_threshold=0.5)
    results = []
    for _ in range(2):
        encoder.asked.clear()
        state = InputState(original=TEXTS[0], text=TEXTS[0])
        results.append((rail.screen(state), state.answerable))
        assert encoder.asked  # embedded afresh: no vector carried over from the last screening
        assert len(encoder.asked) == len(set(encoder.asked))  # ... and none twice in one
    assert results[0] == results[1]
    assert results[0][0].decision is Decision.DECLINE and results[0][1] == "社保卡怎么补办"
