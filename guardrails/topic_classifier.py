"""The topic classifier of the out-of-scope gate and the harmful-intent check.

GB/T 47483 §9.4.1 b asks for intent recognition beyond keywords, §9.4.1 e keeps the AI
service to government-service guidance. One TF-IDF vectorizer over character 1–3-grams feeds
three linear heads (scikit-learn logistic regression), all trained at warm-up on
``data/topic_train.yaml``, a corpus the team wrote (never the public evaluation sets), plus
the names, aliases and life situations of the matters the knowledge base publishes:

- ``harm``: is this a request or statement the kiosk must refuse (any ``safety.*`` label)?
- ``guidance``: is this a government-service guidance request (label ``guidance``), as
  opposed to chit-chat, general knowledge, opinion or harm?
- ``reason``: which ``safety.*`` reason code (TC260-003 class) a harmful text falls under.

Training takes well under a second on two cores; scoring one text about 0.2 ms.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from guardrails.errors import PolicyError
from guardrails.reasons import ReasonCode

TOPIC_TRAIN_PATH = Path(__file__).parent / "data" / "topic_train.yaml"
GUIDANCE = "guidance"
OFF_TOPIC = "off_topic"
SAFETY_PREFIX = "safety."
_SEED = 7


@dataclass(frozen=True)
class TopicExample:
    """One labelled text: ``guidance``, ``off_topic`` or a ``safety.*`` reason code."""

    text: str
    label: str


@dataclass(frozen=True)
class TopicAssessment:
    """What the classifier thinks of one text; probabilities in [0, 1].

    ``reason`` is the most likely ``safety.*`` reason code, meaningful when ``harm`` is high.
    """

    harm: float
    guidance: float
    reason: ReasonCode


class TopicCorpus:
    """The team's training corpus (``data/topic_train.yaml``), expanded into examples.

    A label has ``examples`` (one per line) and ``compose`` rules (a template and slot
    values, every combination, at most ``cap_per_rule`` of them sampled with a fixed seed).
    Templates of the ``guidance`` label that use ``{matter}`` are also filled with the
    knowledge base's matter names given to :meth:`examples`.

    Raises:
        PolicyError: The file is missing, not YAML, or a label is not ``guidance``,
            ``off_topic`` or a known ``safety.*`` reason code.
    """

    def __init__(self, path: Path = TOPIC_TRAIN_PATH) -> None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyError(f"topic training corpus unreadable: {path.name}: {exc}") from None
        labels = data.get("labels") if isinstance(data, dict) else None
        if not isinstance(labels, dict):
            raise PolicyError(f"topic training corpus {path.name} has no labels")
        known = {GUIDANCE, OFF_TOPIC} | {r.value for r in ReasonCode if r.startswith(SAFETY_PREFIX)}
        unknown = set(labels) - known
        if unknown:
            raise PolicyError(f"topic training corpus: unknown labels {sorted(unknown)}")
        self.version = str(data.get("version", ""))
        self._cap = int(data.get("cap_per_rule", 160))
        self._labels: dict[str, dict[str, object]] = labels

    def examples(
        self, matter_names: Iterable[str] = (), guidance_texts: Iterable[str] = ()
    ) -> list[TopicExample]:
        """Every example of the corpus, plus the knowledge base's own words as guidance.

        Args:
            matter_names: Matter names, aliases and life situations; each is a guidance
                example and fills the ``{matter}`` slot of guidance templates.
            guidance_texts: Further in-domain texts (e.g. the scope classifier's questions).
        """
        names = list(dict.fromkeys(n for n in matter_names if n))
        out = [TopicExample(t, GUIDANCE) for t in [*names, *guidance_texts] if t]
        for label, spec in self._labels.items():
            lines = str(spec.get("examples") or "").splitlines()
            out += [TopicExample(line.strip(), label) for line in lines if line.strip()]
            for rule in spec.get("compose") or []:  # type: ignore[attr-defined]
                out += self._compose(label, rule, names if label == GUIDANCE else [])
        return out

    def _compose(self, label: str, rule: dict, names: list[str]) -> list[TopicExample]:
        slots: dict[str, list[str]] = {k: list(v) for k, v in rule["slots"].items()}
        cap = self._cap
        if "matter" in slots and names:
            slots["matter"] += names
            cap *= 3
        keys = list(slots)
        combos = list(itertools.product(*(slots[k] for k in keys)))
        if len(combos) > cap:
            combos = random.Random(_SEED).sample(combos, cap)
        template = str(rule["template"])
        return [TopicExample(template.format(**dict(zip(keys, c))), label) for c in combos]


class TopicClassifier:
    """Three linear heads over one character n-gram vectorizer; :meth:`fit` before use.

    Usage example::

        clf = TopicClassifier().fit(TopicCorpus().examples(["居住证办理"]))
        clf.assess("怎么做一个假身份证")   # harm≈0.9, reason=ReasonCode.ILLEGAL
        clf.assess("居住证怎么办")        # harm≈0.0, guidance≈0.9
    """

    def __init__(self) -> None:
        self._vectorizer: TfidfVectorizer | None = None
        self._weights: np.ndarray = np.zeros((0, 0))
        self._bias: np.ndarray = np.zeros(0)
        self._reasons: list[ReasonCode] = []
        self._last: tuple[str, TopicAssessment] | None = None

    @property
    def fitted(self) -> bool:
        """True once trained."""
        return self._vectorizer is not None

    def fit(self, examples: Sequence[TopicExample]) -> TopicClassifier:
        """Train the three heads on ``examples`` (deterministic).

        Raises:
            ValueError: The examples lack guidance, non-guidance or harmful texts.
        """
        texts = [e.text for e in examples]
        labels = np.array([e.label for e in examples])
        harmful = np.char.startswith(labels.astype(str), SAFETY_PREFIX)
        guidance = labels == GUIDANCE
        if not harmful.any() or not guidance.any() or guidance.all():
            raise ValueError("topic training needs guidance, off-topic and harmful examples")
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        features = csr_matrix(vectorizer.fit_transform(texts))
        harm = _binary_head().fit(features, harmful)
        guidance_head = _binary_head().fit(features, guidance)
        reason = OneVsRestClassifier(_binary_head()).fit(features[harmful], labels[harmful])
        heads = [harm, guidance_head, *reason.estimators_]
        # One weight matrix: a text is scored with a single sparse-dense product (~0.1 ms).
        self._weights = np.column_stack([h.coef_.ravel() for h in heads])
        self._bias = np.array([float(h.intercept_[0]) for h in heads])
        self._reasons = [ReasonCode(str(c)) for c in reason.classes_]
        self._vectorizer = vectorizer
        self._last = None
        return self

    def assess(self, text: str) -> TopicAssessment | None:
        """Harm and guidance probabilities of ``text`` and its likely reason; None unfitted.

        The last text's assessment is kept, so rails asking about the same text in one
        screening (scope, then topic) pay once.
        """
        if self._vectorizer is None:
            return None
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        scores = (self._vectorizer.transform([text]) @ self._weights).ravel() + self._bias
        probabilities = 1.0 / (1.0 + np.exp(-scores[:2]))
        assessment = TopicAssessment(
            harm=float(probabilities[0]),
            guidance=float(probabilities[1]),
            reason=self._reasons[int(np.argmax(scores[2:]))],
        )
        self._last = (text, assessment)
        return assessment

    def is_guidance(self, text: str, threshold: float) -> bool:
        """True when ``text`` reads as a guidance request (probability ≥ ``threshold``), or
        when the classifier is not trained (no evidence against it)."""
        assessment = self.assess(text)
        return assessment is None or assessment.guidance >= threshold


def _binary_head() -> LogisticRegression:
    return LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", solver="liblinear")
