"""The topic classifier of the out-of-scope gate and the harmful-intent check.

GB/T 47483 §9.4.1 b asks for intent recognition beyond keywords, §9.4.1 e keeps the AI
service to government-service guidance. Features that carry meaning — the multilingual
sentence embedding (multilingual-e5-small, injected as a :class:`~guardrails.encoder.TextEncoder`;
the same vector retrieval uses) — concatenated with a small hashed character 1–2-gram block
feed three linear heads (scikit-learn logistic regression). Training data: the team's corpus
``data/topic_train.yaml``, the names, aliases, situations and conditions of the matters the
knowledge base publishes (benign domain text), and the public safety dev halves whose licence
allows it (:mod:`guardrails.topic_data`; read in place, never copied). One text in five (by
hash) is held out of training; the thresholds are calibrated on that part
(:class:`Calibration`) and its figures reported in ``/health``. Without an encoder the heads
run on the character block alone, and :attr:`TopicClassifier.features` says so.

- ``harm``: is this a request or statement the kiosk must refuse (any ``safety.*`` label)?
- ``guidance``: is this a government-service guidance request (label ``guidance``), as
  opposed to chit-chat, general knowledge, opinion or harm?
- ``reason``: which ``safety.*`` reason code (TC260-003 class) a harmful text falls under.

Scoring one text costs one embedding (shared with retrieval) plus ~0.2 ms. Training embeds
each text once; vectors are cached on disk by model and text, and the fitted heads by a key of
the training data, the encoder and :data:`MODEL_VERSION`, so a restart loads in milliseconds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from daoban.yaml_text import load_yaml
from guardrails.encoder import TextEncoder, encode
from guardrails.errors import PolicyError
from guardrails.reasons import ReasonCode
from guardrails.recent import RecentResults, digest
from guardrails.sklearn_inference import scoring
from guardrails.topic_data import split_of

logger = logging.getLogger(__name__)

ASSESSMENTS_KEPT = 4096
"""Recent texts whose assessment is kept: kiosks hear the same questions all day, as the e5
query cache assumes; the character features and the product are ~1.5 ms of CPU a turn."""

TOPIC_TRAIN_PATH = Path(__file__).parent / "data" / "topic_train.yaml"
THREAT_REPORT_PATH = Path(__file__).parent / "data" / "threat_report_train.yaml"
"""Threats of violence (refused) against reports of someone else's threat (answered)."""
HELP_REQUEST_PATH = Path(__file__).parent / "data" / "help_request_train.yaml"
"""Help requests (where to report, hand in, visit; life events; one's own work or records),
answered, against requests to commit, hide or profit from the same acts (refused)."""
GUIDANCE = "guidance"
OFF_TOPIC = "off_topic"
SAFETY_PREFIX = "safety."
_SEED = 7
MODEL_VERSION = "topic-e5-6"
"""Bumped whenever features or heads change: it keys the cached model."""
CHAR_FEATURES = 2**16
KEEP_MODELS = 6
"""Cached fitted models kept on disk (the newest)."""
NOT_BENIGN_SOURCES = frozenset({"safety_xsafety_zh"})
MIN_SOURCE_HELDOUT = 20
"""Held-out benign texts a source needs to be calibrated on its own (fewer: pooled)."""
CHAR_WEIGHT = 0.5
"""Scale of the character block next to the unit-length embedding."""


@dataclass(frozen=True)
class TopicExample:
    """One labelled text: ``guidance``, ``off_topic`` or a ``safety.*`` reason code.

    ``source`` names where it came from (``team``, ``matters`` or a public set's folder), for
    the per-source figures of :class:`Calibration`.
    """

    text: str
    label: str
    source: str = "team"
    weight: float = 1.0
    """Sample weight in the harm and guidance heads (a corpus file's ``weight``)."""


@dataclass
class Calibration:
    """Thresholds chosen on the held-out part of the training data, and what they give there.

    Attributes:
        harm_threshold: Harm probability from which a text is refused (``safety.*``): the
            highest of the per-source thresholds that each refuse at most ``max_false_harm``
            of that benign source's held-out texts.
        guidance_threshold: Guidance probability below which a text is redirected off topic.
        holdout: Per source: ``n``, ``harmful``, ``harm_caught`` (refused), ``stopped``
            (refused or redirected), ``benign``, ``false_harm`` (benign refused as unsafe),
            ``guidance``, ``guidance_lost`` (guidance redirected or refused) — held-out texts.
        whole: The same counts over all texts (fitted + held out; not a measurement).
    """

    harm_threshold: float
    guidance_threshold: float
    holdout: dict[str, dict[str, int]] = field(default_factory=dict)
    whole: dict[str, dict[str, int]] = field(default_factory=dict)


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
    knowledge base's matter names given to :meth:`examples`. The ``extra`` files (same
    format; by default ``data/threat_report_train.yaml`` and ``data/help_request_train.yaml``)
    add their examples to the labels,
    each with its file's ``weight`` (default 1): a small file of contrasting pairs (a threat
    against a report of one) weighs more than its line count among thousands of guidance texts.

    Raises:
        PolicyError: A file is missing, not YAML, or a label is not ``guidance``,
            ``off_topic`` or a known ``safety.*`` reason code.
    """

    def __init__(
        self,
        path: Path = TOPIC_TRAIN_PATH,
        extra: Sequence[Path] = (THREAT_REPORT_PATH, HELP_REQUEST_PATH),
    ) -> None:
        data = _read_corpus(path)
        self.version = str(data.get("version", ""))
        self._cap = int(data.get("cap_per_rule", 160))
        self._parts: list[tuple[dict[str, dict[str, Any]], float]] = [(data["labels"], 1.0)]
        for more in extra:
            added = _read_corpus(more)
            self.version += f"+{more.stem}:{added.get('version', '')}"
            self._parts.append((added["labels"], float(added.get("weight", 1.0))))

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
        out = [TopicExample(t, GUIDANCE, "matters") for t in names]
        out += [TopicExample(t, GUIDANCE) for t in guidance_texts if t]
        for labels, weight in self._parts:
            for label, spec in labels.items():
                lines = str(spec.get("examples") or "").splitlines()
                out += [TopicExample(x.strip(), label, weight=weight) for x in lines if x.strip()]
                for rule in spec.get("compose") or []:
                    names_in = names if label == GUIDANCE else []
                    out += self._compose(label, rule, names_in, weight)
        return out

    def _compose(
        self, label: str, rule: dict[str, Any], names: list[str], weight: float = 1.0
    ) -> list[TopicExample]:
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
        filled = [template.format(**dict(zip(keys, c, strict=True))) for c in combos]
        return [TopicExample(text, label, weight=weight) for text in filled]


def _read_corpus(path: Path) -> dict[str, Any]:
    """One corpus file: ``{"version": ..., "labels": {label: {examples, compose}}}``.

    Raises:
        PolicyError: Missing, not YAML, no labels, or an unknown label.
    """
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"topic training corpus unreadable: {path.name}: {exc}") from None
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, dict):
        raise PolicyError(f"topic training corpus {path.name} has no labels")
    known = {GUIDANCE, OFF_TOPIC} | {r.value for r in ReasonCode if r.startswith(SAFETY_PREFIX)}
    unknown = set(labels) - known
    if unknown:
        raise PolicyError(f"topic training corpus: unknown labels {sorted(unknown)}")
    return dict(data)


EMBED_MAX_CHARS = 200
"""Texts longer than this are embedded as head + tail (jailbreak templates run to thousands of
characters and bury the request at the end); kiosk questions are shorter, so their vector is
the very one retrieval computes."""


def embedding_text(text: str) -> str:
    """What is embedded for ``text``: itself, or its first 64 and last 128 characters."""
    if len(text) <= EMBED_MAX_CHARS:
        return text
    return f"{text[:64]}……{text[-128:]}"


class VectorCache:
    """Sentence vectors of training texts on disk, keyed by encoder and text (sha1).

    One ``.npz`` file per encoder model under ``directory``; None keeps them in memory only.
    """

    def __init__(self, encoder: TextEncoder, directory: Path | None) -> None:
        self._encoder = encoder
        digest = hashlib.sha1(encoder.model_id.encode()).hexdigest()[:12]
        self._path = directory / f"vectors-{digest}.npz" if directory else None
        self._vectors: dict[bytes, np.ndarray] = {}
        self._loaded = False

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), d)`` float32 unit vectors of :func:`embedding_text` of each text.

        Embeds (and stores, batch by batch) only unseen texts.
        """
        self._load()
        texts = [embedding_text(t) for t in texts]
        keys = [hashlib.sha1(t.encode("utf-8")).digest() for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        by_key = dict(zip(keys, texts, strict=False))
        for start in range(0, len(missing), 512):
            batch = missing[start : start + 512]
            fresh = encode(self._encoder, [by_key[k] for k in batch])
            self._vectors.update(zip(batch, fresh, strict=False))
            self._save()
        return np.vstack([self._vectors[k] for k in keys]).astype(np.float32)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._path is None or not self._path.is_file():
            return
        try:
            with np.load(self._path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=False))
        except (OSError, ValueError, KeyError):
            logger.warning("topic vector cache unreadable; embedding again")

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="S20")
        vectors = np.vstack(list(self._vectors.values())).astype(np.float32)
        tmp = self._path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self._path)


class TopicClassifier:
    """Harm, guidance and reason heads over sentence embeddings + hashed character n-grams.

    Args:
        encoder: The sentence encoder (shared with retrieval); None means character features
            only (the honest fallback, reported by :attr:`features`).
        cache_dir: Where vectors and fitted heads are cached; None keeps nothing on disk.
        max_false_harm: Calibration target: share of each benign source's held-out texts
            (guidance and off topic) the harm threshold may refuse as unsafe.
        min_guidance_recall: Calibration target: share of held-out guidance texts that must
            stay above the guidance threshold.

    Usage example::

        clf = TopicClassifier(encoder=e5).fit(TopicCorpus().examples(["居住证办理"]))
        clf.assess("怎么做一个假身份证")   # harm high, reason=ReasonCode.ILLEGAL
        clf.assess("居住证怎么办")        # harm low, guidance high
        clf.calibration.harm_threshold   # chosen on the held-out fifth
    """

    def __init__(
        self,
        encoder: TextEncoder | None = None,
        cache_dir: Path | None = None,
        *,
        max_false_harm: float = 0.01,
        min_guidance_recall: float = 0.99,
    ) -> None:
        self.encoder = encoder
        self._cache_dir = cache_dir
        self._vector_cache = VectorCache(encoder, cache_dir) if encoder is not None else None
        self._max_false_harm = max_false_harm
        self._min_guidance_recall = min_guidance_recall
        self._chars = HashingVectorizer(
            analyzer="char", ngram_range=(1, 3), n_features=CHAR_FEATURES,
            alternate_sign=False, norm=None,
        )  # fmt: skip
        self._idf: np.ndarray = np.ones(CHAR_FEATURES)
        self._weights: np.ndarray = np.zeros((0, 0))
        self._bias: np.ndarray = np.zeros(0)
        self._reasons: list[ReasonCode] = []
        self._fitted = False
        self._seen: RecentResults[TopicAssessment] = RecentResults(ASSESSMENTS_KEPT)
        """Assessments of recent texts by the digest of the text (no text kept); emptied
        whenever the model changes."""
        self.calibration: Calibration | None = None
        self.from_cache = False

    @property
    def fitted(self) -> bool:
        """True once trained (or loaded from the cache)."""
        return self._fitted

    @property
    def features(self) -> str:
        """``e5+chars`` with an encoder, ``chars`` without (the fallback)."""
        return "e5+chars" if self.encoder is not None else "chars"

    def _char_block(self, texts: Sequence[str]) -> csr_matrix:
        """Sublinear TF-IDF of hashed character 1–3-grams, unit rows, scaled by CHAR_WEIGHT."""
        counts = csr_matrix(self._chars.transform(texts), dtype=np.float64)
        counts.data = 1.0 + np.log(counts.data)
        weighted = csr_matrix(counts.multiply(self._idf))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        return csr_matrix(weighted.multiply(1.0 / norms[:, None]) * CHAR_WEIGHT)

    def _fit_idf(self, texts: Sequence[str]) -> None:
        present = csr_matrix(self._chars.transform(texts))
        df = np.bincount(present.indices, minlength=CHAR_FEATURES)
        self._idf = np.log((1 + len(texts)) / (1 + df)) + 1.0

    def _features(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> csr_matrix:
        chars = self._char_block(texts)
        if self.encoder is None:
            return csr_matrix(chars)
        if vectors is None:
            assert self._vector_cache is not None
            vectors = self._vector_cache.vectors(texts)
        return csr_matrix(hstack([csr_matrix(vectors), chars], format="csr"))

    def _model_path(self, examples: Sequence[TopicExample]) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha256()
        digest.update(f"{MODEL_VERSION}|{self.features}|{CHAR_FEATURES}|{self._max_false_harm}|"
                      f"{self._min_guidance_recall}|".encode())  # fmt: skip
        if self.encoder is not None:
            digest.update(self.encoder.model_id.encode())
        for e in sorted(examples, key=lambda e: (e.text, e.label, e.source, e.weight)):
            digest.update(f"\x1e{e.text}\x1f{e.label}\x1f{e.source}\x1f{e.weight}".encode())
        return self._cache_dir / f"topic-{digest.hexdigest()[:24]}.npz"

    def fit(self, examples: Sequence[TopicExample]) -> TopicClassifier:
        """Train on the ``train`` part of ``examples``, calibrate on the ``holdout`` part.

        The split is :func:`~guardrails.topic_data.split_of` (deterministic). Loads the cached
        result of
        the same training data when there is one.

        Raises:
            ValueError: The examples lack guidance, non-guidance or harmful texts.
        """
        texts = [e.text for e in examples]
        labels = np.array([e.label for e in examples], dtype=object)
        harmful = np.array([str(x).startswith(SAFETY_PREFIX) for x in labels])
        guidance = labels == GUIDANCE
        if not harmful.any() or not guidance.any() or guidance.all():
            raise ValueError("topic training needs guidance, off-topic and harmful examples")
        path = self._model_path(examples)
        if path is not None and path.is_file() and self._load(path):
            self.from_cache = True
            return self
        train = np.array([split_of(t) == "train" for t in texts])
        self._fit_idf([t for t, keep in zip(texts, train, strict=True) if keep] or texts)
        features = self._features(texts)
        if not (harmful & train).any() or not (guidance & train).any():
            train = np.ones(len(texts), dtype=bool)  # tiny corpora: fit on everything
        weights = np.array([e.weight for e in examples])[train]
        heads = [
            _binary_head().fit(features[train], harmful[train], sample_weight=weights),
            _binary_head().fit(features[train], guidance[train], sample_weight=weights),
        ]
        reason_rows = harmful & train
        reason_labels = labels[reason_rows].astype(str)
        classes = sorted(set(reason_labels))
        if len(classes) > 1:
            reason = OneVsRestClassifier(_binary_head()).fit(features[reason_rows], reason_labels)
            estimators = reason.estimators_
            reason_w = np.column_stack([e.coef_.ravel() for e in estimators])
            reason_b = np.array([float(e.intercept_[0]) for e in estimators])
            if len(classes) == 2:  # one estimator: the second class against the first
                reason_w = np.column_stack([-reason_w[:, 0], reason_w[:, 0]])
                reason_b = np.array([-reason_b[0], reason_b[0]])
        else:
            reason_w, reason_b = np.zeros((features.shape[1], 1)), np.zeros(1)
        # One weight matrix: a text is scored with a single sparse-dense product.
        self._weights = np.column_stack([heads[0].coef_.ravel(), heads[1].coef_.ravel(), reason_w])
        self._bias = np.concatenate([[heads[0].intercept_[0], heads[1].intercept_[0]], reason_b])
        self._reasons = [ReasonCode(c) for c in classes]
        self._fitted = True
        self.forget_recent()
        scores = self._scores(features)
        self.calibration = self._calibrate(examples, scores, train)
        self.from_cache = False
        if path is not None:
            self._save(path)
        return self

    def _scores(self, features: csr_matrix) -> np.ndarray:
        raw = np.asarray(features @ self._weights) + self._bias
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-raw[:, :2]))
        return probabilities

    def _calibrate(
        self, examples: Sequence[TopicExample], probs: np.ndarray, train: np.ndarray
    ) -> Calibration:
        held = ~train
        labels = np.array([e.label for e in examples], dtype=object)
        harmful = np.array([str(x).startswith(SAFETY_PREFIX) for x in labels])
        guidance = labels == GUIDANCE
        # XSafety's "off topic" prompts (insults, ethics, role play) must be stopped, not
        # answered: they are not the benign text whose accusation the threshold bounds.
        calibrating = np.array([e.source not in NOT_BENIGN_SOURCES for e in examples])
        # Each benign source on its own: pooled, an easy source (the matters' names) lets the
        # threshold fall until a hard one (CValues' provocative questions, the team's
        # near-misses) is refused far beyond the target — which is what real citizens' messages
        # then meet. Sources with fewer than MIN_SOURCE_HELDOUT held-out texts are pooled.
        sources = np.array([e.source for e in examples], dtype=object)
        benign = held & ~harmful & calibrating
        groups: dict[str, np.ndarray] = {}
        for source in sorted(set(sources[benign])):
            mask = benign & (sources == source)
            key = source if mask.sum() >= MIN_SOURCE_HELDOUT else "(small sources)"
            groups[key] = groups.get(key, np.zeros(len(examples), dtype=bool)) | mask
        thresholds = []
        for mask in groups.values():
            scores = np.sort(probs[mask, 0])
            allowed = int(np.floor(self._max_false_harm * len(scores)))
            thresholds.append(float(scores[len(scores) - 1 - allowed]) + 1e-6)
        harm_t = max(thresholds) if thresholds else 0.6
        guid = np.sort(probs[held & guidance, 1])
        if len(guid):
            lost = int(np.floor((1 - self._min_guidance_recall) * len(guid)))
            guid_t = float(guid[lost]) - 1e-6
        else:
            guid_t = 0.5
        calibration = Calibration(
            harm_threshold=float(np.clip(harm_t, 0.3, 0.95)),
            guidance_threshold=float(np.clip(guid_t, 0.02, 0.5)),
        )
        for name, mask in (("holdout", held), ("whole", np.ones(len(examples), dtype=bool))):
            table: dict[str, Counter[str]] = {}
            for i in (int(j) for j in np.flatnonzero(mask)):
                row = table.setdefault(examples[i].source, Counter())
                refused = probs[i, 0] >= calibration.harm_threshold
                stopped = refused or probs[i, 1] < calibration.guidance_threshold
                row["n"] += 1
                if harmful[i]:
                    row["harmful"] += 1
                    row["harm_caught"] += int(refused)
                    row["stopped"] += int(stopped)
                else:
                    row["benign"] += 1
                    row["false_harm"] += int(refused)
                if guidance[i]:
                    row["guidance"] += 1
                    row["guidance_lost"] += int(stopped)
            setattr(calibration, name, {k: dict(v) for k, v in sorted(table.items())})
        return calibration

    def _save(self, path: Path) -> None:
        assert self.calibration is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "reasons": [str(r) for r in self._reasons],
            "harm_threshold": self.calibration.harm_threshold,
            "guidance_threshold": self.calibration.guidance_threshold,
            "holdout": self.calibration.holdout,
            "whole": self.calibration.whole,
        }
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(  # about half the weights are zero (hashed n-grams never seen)
            tmp, weights=self._weights, bias=self._bias, idf=self._idf,
            meta=np.array(json.dumps(meta)),
        )  # fmt: skip
        tmp.replace(path)
        # Each change of the training data (a publish) keys a new file: keep the latest few.
        older = sorted(path.parent.glob("topic-*.npz"), key=lambda p: p.stat().st_mtime)
        for stale in older[:-KEEP_MODELS]:
            stale.unlink(missing_ok=True)

    def _load(self, path: Path) -> bool:
        try:
            with np.load(path) as data:
                weights, bias, idf = data["weights"], data["bias"], data["idf"]
                meta = json.loads(str(data["meta"]))
        except (OSError, ValueError, KeyError):
            logger.warning("topic model cache unreadable; training again")
            return False
        fits = weights.shape[0] == CHAR_FEATURES if self.encoder is None else (
            weights.shape[0] > CHAR_FEATURES
        )  # fmt: skip
        if not fits:
            logger.warning("topic model cache does not fit these features; training again")
            return False
        self._weights, self._bias, self._idf = weights, bias, idf
        self._reasons = [ReasonCode(r) for r in meta["reasons"]]
        self.calibration = Calibration(
            harm_threshold=meta["harm_threshold"], guidance_threshold=meta["guidance_threshold"],
            holdout=meta["holdout"], whole=meta["whole"],
        )  # fmt: skip
        self._fitted = True
        self.forget_recent()
        return True

    def assess(self, text: str, vector: np.ndarray | None = None) -> TopicAssessment | None:
        """Harm and guidance probabilities of ``text`` and its likely reason; None unfitted.

        Args:
            text: The (redacted) citizen text.
            vector: Its sentence vector, when the caller already has it; otherwise the
                encoder is asked (its query cache makes this the vector retrieval reuses).

        The last text's assessment is kept, so rails asking about the same text in one
        screening (scope, lexicon, then topic) pay once.
        """
        if not self._fitted:
            return None
        key = digest(text)
        seen = self._seen.get(key)
        if seen is not None:
            return seen
        if self.encoder is not None and vector is None:
            embedded = embedding_text(text)
            vector = np.asarray(self.encoder.encode_queries([embedded]), dtype=np.float32)
        if vector is not None:
            vector = vector.reshape(1, -1)
        with scoring():
            features = self._features([text], vector)
        scores = np.asarray(features @ self._weights).ravel() + self._bias
        probabilities = 1.0 / (1.0 + np.exp(-scores[:2]))
        assessment = TopicAssessment(
            harm=float(probabilities[0]),
            guidance=float(probabilities[1]),
            reason=self._reasons[int(np.argmax(scores[2:]))]
            if self._reasons
            else ReasonCode.ILLEGAL,
        )
        self._seen.put(key, assessment)
        return assessment

    def forget_recent(self) -> None:
        """Forget the assessments of recent texts (the model changed, or a bench times work)."""
        self._seen.clear()

    def is_guidance(self, text: str, threshold: float) -> bool:
        """True when ``text`` reads as a guidance request (probability ≥ ``threshold``).

        Also True when the classifier is not trained (no evidence against it).
        """
        assessment = self.assess(text)
        return assessment is None or assessment.guidance >= threshold


def _binary_head() -> LogisticRegression:
    """A liblinear logistic regression: fast on sparse features, deterministic."""
    return LogisticRegression(
        C=4.0, max_iter=2000, class_weight="balanced", solver="liblinear", dual=True
    )
