"""The act classifier: does a citizen text ask the kiosk itself to *do* something, and what?

GB/T 47483 §9.4.1 e. The meaning-based half of the scope rail; rules remain the first half.

Two heads, trained at warm-up on ``data/act_train.yaml`` (team-written act clauses and
legitimate questions, plus every act clause tucked behind legitimate questions) and the scope
training set ``data/scope_train.jsonl``:

- ``text`` head: the sentence embedding of the whole text (the vector the topic gate and
  retrieval share) with a hashed character block → ``none`` or an :class:`ActKind`.
- ``clause`` head: character n-grams only (no embedding per clause, so locating the request
  inside a longer question costs well under a millisecond) → which clause holds the act.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from scipy.special import expit
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from daoban.yaml_text import load_yaml
from guardrails.acts import ACT_REASONS, act_kind
from guardrails.encoder import TextEncoder
from guardrails.errors import PolicyError
from guardrails.models import ActKind
from guardrails.reasons import ReasonCode
from guardrails.recent import RecentResults, digest
from guardrails.sklearn_inference import scoring
from guardrails.topic_classifier import VectorCache, embedding_text

ACT_TRAIN_PATH = Path(__file__).parent / "data" / "act_train.yaml"
NONE = "none"
CHARS_ACT_SHARE = 0.5
"""Character fallback: normalised share the most likely act kind needs to count."""
_SEED = 11
_TURN_MEMO = 64
DECISIONS_KEPT = 8192
"""(text, threshold) decisions kept across turns: kiosks hear the same questions and
clauses all day, as the e5 query cache assumes; judging one is ~1.3 ms of CPU."""
"""Texts judged in one turn beyond which the per-turn memo is emptied (a guard, not a cache)."""
_SCOPE_LABELS = {
    "scope.identity_auth": ReasonCode.IDENTITY_AUTH,
    "scope.eligibility": ReasonCode.ELIGIBILITY,
    "scope.final_decision": ReasonCode.FINAL_DECISION,
}


@dataclass(frozen=True)
class ActExample:
    """A labelled text: ``none`` or an :class:`ActKind` value."""

    text: str
    label: str


def read_act_examples(
    path: Path = ACT_TRAIN_PATH, scope_path: Path | None = None
) -> tuple[list[ActExample], list[ActExample]]:
    """(whole-text examples, clause examples) from the act corpus and the scope set.

    Raises:
        PolicyError: The corpus is missing, not YAML, or names an unknown act kind.
    """
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
        acts: dict[str, list[str]] = data["acts"]
        legit: list[str] = list(data["legit"])
        connectors: list[str] = list(data["connectors"])
        connectors_en: list[str] = list(data.get("connectors_en") or connectors)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise PolicyError(f"act training corpus unreadable: {path.name}: {exc}") from None
    kinds = {k.value for k in ActKind}
    if set(acts) - kinds:
        raise PolicyError(f"act training corpus: unknown act kinds {sorted(set(acts) - kinds)}")
    clause = [ActExample(t, kind) for kind, texts in acts.items() for t in texts]
    clause += [ActExample(t, NONE) for t in legit]
    if scope_path is not None and scope_path.is_file():
        for line in scope_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            reason = _SCOPE_LABELS.get(row["label"])
            label = act_kind(row["text"], reason).value if reason else NONE
            clause.append(ActExample(row["text"], label))
    rng = random.Random(_SEED)
    per_act = int(data.get("tucked_per_act", 3))
    # An act is tucked behind a question of its own language (English behind English).
    legit_by = {english: [q for q in legit if _english(q) is english] for english in (False, True)}
    joints = {False: connectors, True: connectors_en}
    tucked: list[ActExample] = []
    for kind, texts in acts.items():
        for text in texts:
            english = _english(text)
            pool = legit_by[english] or legit
            for question, joint in zip(
                rng.sample(pool, min(per_act, len(pool))), itertools.cycle(joints[english])
            ):
                tucked.append(ActExample(f"{question}{joint}{text}", kind))
    # The same joints between two legitimate questions ask for no act: without them every
    # joined text seen in training is a request, and a question in two parts reads as one.
    for english, pool in legit_by.items():
        for question, joint in zip(pool, itertools.cycle(joints[english])):
            other = rng.choice(pool)
            if other != question:
                tucked.append(ActExample(f"{question}{joint}{other}", NONE))
    return clause + tucked, clause


def _english(text: str) -> bool:
    """True when ``text`` is written mostly in Latin letters (an English question)."""
    letters = sum(c.isascii() and c.isalpha() for c in text)
    return letters > len(text) / 2


def _head() -> LogisticRegression:
    """Liblinear logistic regression, dual form (fast on wide sparse features)."""
    return LogisticRegression(
        C=4.0, max_iter=2000, class_weight="balanced", solver="liblinear", dual=True
    )


class ActClassifier:
    """Whole-text act head (embedding + characters) and clause head (characters).

    Usage example::

        clf = ActClassifier(encoder).fit(*read_act_examples())
        clf.act_of("社保卡怎么补办？你顺便帮我把审批过了")   # (ActKind.APPROVE, 0.9)
        clf.clause_scores(["社保卡怎么补办", "你顺便帮我把审批过了"])   # [0.02, 0.97]
    """

    def __init__(
        self,
        encoder: TextEncoder | None = None,
        cache_dir: Path | None = None,
        decisions_kept: int = DECISIONS_KEPT,
    ) -> None:
        """Build an unfitted classifier.

        Args:
            encoder: The sentence encoder (None: character features only).
            cache_dir: Where the sentence vectors of the training texts are cached.
            decisions_kept: Decisions kept across turns (:data:`DECISIONS_KEPT`; 0 keeps
                none, so every turn judges afresh).
        """
        self.encoder = encoder
        self._vectors = VectorCache(encoder, cache_dir) if encoder is not None else None
        self._chars = HashingVectorizer(
            analyzer="char", ngram_range=(1, 3), n_features=2**15, alternate_sign=False, norm="l2"
        )
        self._text_head: OneVsRestClassifier | None = None
        self._clause_head: LogisticRegression | None = None
        self._stacked: tuple[np.ndarray, np.ndarray] | None = None
        """The text head's estimators as one ``(features, labels)`` weight matrix and biases
        (built from the fitted head on first use; dropped whenever the head changes)."""
        self._turn: dict[tuple[str, float], tuple[ActKind | None, float]] = {}
        """Decisions already made in this turn, by (text, threshold)."""
        self._turn_vectors: dict[str, np.ndarray] = {}
        """Sentence vectors already computed in this turn, by embedded text."""
        self._seen: RecentResults[tuple[ActKind | None, float]] = RecentResults(decisions_kept)
        """Decisions about recent texts across turns, by (digest of the text, threshold):
        no text kept; emptied whenever the heads change."""

    @property
    def fitted(self) -> bool:
        """True once trained."""
        return self._text_head is not None

    @property
    def snapshot_tag(self) -> str:
        """What the fitted state depends on beyond the training data: the encoder."""
        return self.encoder.model_id if self.encoder is not None else "chars"

    def _features(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> csr_matrix:
        chars = csr_matrix(self._chars.transform(texts) * 0.5)
        if self.encoder is None:
            return chars
        if vectors is None:
            assert self._vectors is not None
            vectors = self._vectors.vectors(texts)
        return csr_matrix(hstack([csr_matrix(vectors), chars], format="csr"))

    def _joined(self, texts: Sequence[str], vectors: np.ndarray) -> csr_matrix:
        """:meth:`_features` of texts whose sentence vectors are given, built in one step.

        The same matrix as ``hstack([csr_matrix(vectors), chars])`` — each row its vector's
        non-zero entries, then its character block shifted past them — without the sparse
        stacking, which cost more than the scoring itself.
        """
        chars = csr_matrix(self._chars.transform(texts))
        width = vectors.shape[1]
        data: list[np.ndarray] = []
        indices: list[np.ndarray] = []
        indptr = [0]
        for row, vector in enumerate(np.asarray(vectors)):
            kept = np.flatnonzero(vector)
            start, end = chars.indptr[row], chars.indptr[row + 1]
            data += [vector[kept].astype(np.float64), chars.data[start:end] * 0.5]
            indices += [kept, chars.indices[start:end] + width]
            indptr.append(indptr[-1] + len(kept) + end - start)
        return csr_matrix(
            (np.concatenate(data), np.concatenate(indices), indptr),
            shape=(len(texts), width + chars.shape[1]),
        )

    def fit(self, texts: Sequence[ActExample], clauses: Sequence[ActExample]) -> ActClassifier:
        """Train both heads (deterministic)."""
        head = OneVsRestClassifier(_head())
        self._text_head = head.fit(
            self._features([e.text for e in texts]), [e.label for e in texts]
        )
        binary = _head()
        self._clause_head = binary.fit(
            self._chars.transform([e.text for e in clauses]), [e.label != NONE for e in clauses]
        )
        self._stacked = None
        self.forget_recent()
        return self

    def new_turn(self) -> None:
        """Forget the decisions and vectors of the previous turn (call once per screening).

        Within a turn the scope rail asks about the same texts several times (a clause for
        the rules' veto, then among the clauses judged together); each is scored and embedded
        once. Nothing is carried from one turn to the next.
        """
        self._turn.clear()
        self._turn_vectors.clear()

    def act_of(self, text: str, threshold: float = 0.5) -> tuple[ActKind | None, float]:
        """The act ``text`` asks for and its probability, or (None, p(none)); (None, 0) unfitted.

        Asked again in the same turn (:meth:`new_turn`), the first answer is returned.
        """
        return self.acts_of([text], threshold)[0]

    def acts_of(
        self, texts: Sequence[str], threshold: float = 0.5
    ) -> list[tuple[ActKind | None, float]]:
        """:meth:`act_of` for several texts (the clauses of one question), one batch embedded.

        Texts already judged in this turn are not judged again, and texts already embedded in
        this turn are not embedded again (the vectors are the same: the encoder embeds a text
        alike alone or in a batch).

        Returns:
            Per text, (the act it asks for and its probability, or None and p(none));
            all (None, 0) unfitted.
        """
        if self._text_head is None or not texts:
            return [(None, 0.0)] * len(texts)
        if len(self._turn) > _TURN_MEMO:  # called outside screenings: keep the memo small
            self.new_turn()
        todo = list(dict.fromkeys(t for t in texts if (t, threshold) not in self._turn))
        if todo:
            keys = {t: (digest(t), threshold) for t in todo}
            known = {t: d for t in todo if (d := self._seen.get(keys[t])) is not None}
            self._turn.update(((t, threshold), d) for t, d in known.items())
            todo = [t for t in todo if t not in known]
        if todo:
            vectors = self._turn_vectors_of(todo) if self.encoder is not None else None
            with scoring():
                features = self._features(todo) if vectors is None else self._joined(todo, vectors)
                judged = self._decisions(features, threshold)
            self._turn.update(((t, threshold), r) for t, r in zip(todo, judged, strict=True))
            for t, r in zip(todo, judged, strict=True):
                self._seen.put(keys[t], r)
        return [self._turn[(t, threshold)] for t in texts]

    def _turn_vectors_of(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), d)`` float32 vectors of :func:`embedding_text` of each text.

        Embeds, in one batch, only the texts not yet embedded in this turn.
        """
        assert self.encoder is not None
        embedded = [embedding_text(t) for t in texts]
        missing = list(dict.fromkeys(e for e in embedded if e not in self._turn_vectors))
        if missing:
            fresh = np.asarray(self.encoder.encode_queries(missing), dtype=np.float32)
            self._turn_vectors.update(zip(missing, fresh.reshape(len(missing), -1), strict=True))
        return np.vstack([self._turn_vectors[e] for e in embedded])

    def _decisions(
        self, features: csr_matrix, threshold: float
    ) -> list[tuple[ActKind | None, float]]:
        """Per row: (the most likely act, p(act)) or (None, p(none)).

        p(none) is the one-vs-rest ``none`` estimator's own probability — a binary "asks for
        no act" classifier trained against every act kind together — not the normalised
        share, which seven classes split so that no act kind reaches one half. A text is a
        request when 1 − p(none) ≥ ``threshold``; its kind is the act estimator with the
        highest probability. Without the encoder, the normalised most likely label decides
        when its share reaches :data:`CHARS_ACT_SHARE` (``threshold`` is for the binary head).
        """
        head = self._text_head
        assert head is not None
        labels = [str(c) for c in head.classes_]
        if self.encoder is None:
            # Character fallback: its binary "none" estimator fires on 给我/帮我 alone, so the
            # normalised most likely label decides, as before the sentence encoder.
            out_chars: list[tuple[ActKind | None, float]] = []
            for row in head.predict_proba(features):
                i = int(np.argmax(row))
                act = labels[i] != NONE and row[i] >= CHARS_ACT_SHARE
                out_chars.append((ActKind(labels[i]) if act else None, float(row[i])))
            return out_chars
        raw = self._estimator_probabilities(features)
        none_at = labels.index(NONE) if NONE in labels else None
        out: list[tuple[ActKind | None, float]] = []
        for row in raw:
            p_none = float(row[none_at]) if none_at is not None else 0.0
            kinds = [(float(p), label) for p, label in zip(row, labels, strict=True)
                     if label != NONE]  # fmt: skip
            if 1.0 - p_none < threshold or not kinds:
                out.append((None, p_none))
            else:
                out.append((ActKind(max(kinds)[1]), 1.0 - p_none))
        return out

    def _estimator_probabilities(self, features: csr_matrix) -> np.ndarray:
        """``(rows, labels)``: each one-vs-rest estimator's probability of its label.

        The same numbers as ``estimator.predict_proba(features)[:, 1]`` for every estimator
        (one sparse product instead of seven validated calls).
        """
        head = self._text_head
        assert head is not None
        if self._stacked is None:
            weights = np.vstack([e.coef_.reshape(1, -1) for e in head.estimators_])
            biases = np.concatenate([np.ravel(e.intercept_) for e in head.estimators_])
            self._stacked = (np.ascontiguousarray(weights.T), biases)
        weights, biases = self._stacked
        return np.asarray(expit(features @ weights + biases))

    def clause_scores(self, clauses: Sequence[str]) -> list[float]:
        """Probability that each clause is the request to act (characters only)."""
        if self._clause_head is None or not clauses:
            return [0.0] * len(clauses)
        with scoring():
            probabilities = self._clause_head.predict_proba(self._chars.transform(clauses))
        return [float(p) for p in probabilities[:, 1]]

    def forget_recent(self) -> None:
        """Forget the decisions kept across turns and this turn's (a bench times the work)."""
        self._seen.clear()
        self.new_turn()

    @staticmethod
    def reason_of(kind: ActKind) -> ReasonCode:
        """The reason code an act is declined with."""
        return ACT_REASONS[kind]
