r"""The guard's services, each with a narrow constructor, composed by ``build_guardrails``.

* :class:`InputGuard` — runs the policy's input rails on citizen text (``screen``);
* :class:`OutputGuard` — runs the output rails on a composed answer (``check``);
* :class:`PersonalData` — finds and redacts personal data (for logs, stores, models);
* :class:`TurnReview` — what a turn sends to the review queue (flags, sampled refusals) and
  the reviewers' approved corrections it reads back;
* :class:`LexiconService` — the lexicon in force and the reviewers' changes to it;
* :class:`MatterTextCheck` — the scan of matter text on import and publish;
* :class:`DomainTerms` — government-service words: the topic gate's vocabulary and the topic
  classifier trained on them;
* :class:`Classifiers` — trains the scope, act and topic classifiers at warm-up;
* :class:`GuardStatistics` — verdict counters by reason code (no text).

Every service takes the other services it uses, never the whole guard; none builds its own
database: the stores (:class:`~guardrails.review.ReviewQueue`,
:class:`~guardrails.lexicon_store.LexiconStore`) come from the composition.

Usage example::

    stats = GuardStatistics()
    screen = InputGuard(input_rails, stats)
    screen.screen("我叫张伟，身份证丢了怎么补？").text   # "我叫[姓名]，身份证丢了怎么补？"
    check = OutputGuard(output_rails, stats)
    check.check(draft, [matter_text], fallback=extractive).screen_text  # "…AI生成，仅供参考"
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from guardrails.act_classifier import ActClassifier, read_act_examples
from guardrails.errors import LexiconTermError
from guardrails.folding import Folder
from guardrails.lexicon import ALLOW, HomophoneRules, Lexicon
from guardrails.lexicon_store import LexiconStore
from guardrails.models import (
    Decision,
    Draft,
    GuardedAnswer,
    LexiconTerm,
    PiiSpan,
    PiiType,
    Principal,
    RailVerdict,
    ReviewItem,
    ScreenedQuery,
)
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.policy_config import PolicyConfig
from guardrails.rails.base import InputRail, InputState, OutputRail, OutputState
from guardrails.rails.injection import InjectionDetector
from guardrails.rails.lexicon import LexiconHolder, reason_of
from guardrails.rails.topic import DomainVocabulary
from guardrails.reasons import ReasonCode
from guardrails.review import ReviewQueue
from guardrails.scope_classifier import TRAIN_PATH, ScopeClassifier, read_scope_examples
from guardrails.settings import GuardrailSettings
from guardrails.topic_classifier import TopicClassifier, TopicCorpus, TopicExample
from guardrails.topic_data import available_sets, read_public_examples

logger = logging.getLogger(__name__)

FitWith = Callable[..., object]
"""How a classifier is trained: ``fit_with(model, *data)`` (a snapshot loader may stand in)."""


def fit(model: object, *data: object) -> object:
    """Train ``model`` on ``data``: the default :data:`FitWith`."""
    return model.fit(*data)  # type: ignore[attr-defined]


class GuardStatistics:
    """Counts of non-allow verdicts by ``reason_code/decision`` and lexicon evasions (no text).

    Shared by the input and output guards and the matter check; read by ``/review/stats``.
    """

    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()

    def count(self, verdicts: Iterable[RailVerdict]) -> None:
        """Count each non-allow verdict with a reason (and its lexicon evasion, if any)."""
        for v in verdicts:
            if v.decision != Decision.ALLOW and v.reason_code:
                self.counters[f"{v.reason_code}/{v.decision.value}"] += 1
                if v.via is not None and v.via != "exact":  # evasion statistics (no text)
                    self.counters[f"lexicon.{v.via}/{v.decision.value}"] += 1
                logger.debug(
                    "guard verdict stage=%s rail=%s decision=%s reason=%s duration_ms=%.3f",
                    v.stage, v.rail, v.decision.value, v.reason_code, v.duration_ms,
                )  # fmt: skip

    def snapshot(self) -> dict[str, int]:
        """The counters now, as a plain dict."""
        return dict(self.counters)


class InputGuard:
    """The input rail chain (GB/T 47483 §9.4.1): redaction first, then the refusing rails.

    Args:
        rails: The policy's input rails in order (from the rail registry).
        stats: Where verdicts are counted.
    """

    def __init__(self, rails: Sequence[InputRail], stats: GuardStatistics) -> None:
        self.rails = tuple(rails)
        self._stats = stats

    def screen(self, text: str) -> ScreenedQuery:
        """Run the input rails on citizen text.

        Args:
            text: The citizen's question (typed or recognized), any length.

        Returns:
            The redacted, normalized text with the personal-data spans (in characters of
            ``text``), every verdict and the refusal, if one rail refused.
        """
        state = InputState(original=text, text=text)
        verdicts: list[RailVerdict] = []
        refusal: RailVerdict | None = None
        for rail in self.rails:  # the policy puts pii before any refusing rail
            started = time.perf_counter()
            result = rail.screen(state)
            elapsed = (time.perf_counter() - started) * 1000
            result = result.model_copy(update={"duration_ms": round(elapsed, 4)})
            verdicts.append(result)
            if result.decision == Decision.REFUSE:
                refusal = result
                break
        self._stats.count(verdicts)
        declined = state.declined if refusal is None else []
        return ScreenedQuery(
            text=state.text, pii=state.pii, verdicts=verdicts, refusal=refusal,
            declined=declined, answerable_text=state.answerable if declined else None,
        )  # fmt: skip


class OutputGuard:
    """The output rail chain: lexicon, grounding, official wording, PII leak, label last.

    Args:
        rails: The policy's output rails in order (from the rail registry).
        stats: Where verdicts are counted.
    """

    def __init__(self, rails: Sequence[OutputRail], stats: GuardStatistics) -> None:
        self.rails = tuple(rails)
        self._stats = stats

    def check(
        self, draft: Draft, grounding_texts: Sequence[str], fallback: Draft | None = None
    ) -> GuardedAnswer:
        """Run the output rails on a composed answer.

        Args:
            draft: The composed answer.
            grounding_texts: Text of the cited matters; every number in the answer must occur.
            fallback: The extractive answer to use when the draft fails a check.

        Returns:
            The answer, labelled "AI生成，仅供参考" on screen and in speech (§9.4.1 c), with
            verdicts; ``replaced`` when the fallback (or a safe message) was substituted,
            ``flagged`` when it should go to the review queue.
        """
        state = OutputState(
            screen_text=draft.screen_text, spoken_text=draft.spoken_text,
            grounding_texts=list(grounding_texts), fallback=fallback,
        )  # fmt: skip
        verdicts: list[RailVerdict] = []
        for rail in self.rails:
            started = time.perf_counter()
            result = rail.check(state)
            elapsed = (time.perf_counter() - started) * 1000
            verdicts.append(result.model_copy(update={"duration_ms": round(elapsed, 4)}))
        self._stats.count(verdicts)  # the policy ends the output rails with label
        sources = fallback.sources if state.replaced and fallback is not None else draft.sources
        return GuardedAnswer(
            screen_text=state.screen_text, spoken_text=state.spoken_text, sources=sources,
            verdicts=verdicts, flagged=state.flagged, replaced=state.replaced,
        )  # fmt: skip


class PersonalData:
    """Finds and redacts personal data (§9.4.1 d) for whatever is logged, stored or sent.

    Args:
        analyzer: The recognizers (the input ``pii`` rail uses the same one).
        placeholders: Placeholder per type (the policy's, over the defaults).
    """

    def __init__(self, analyzer: PiiAnalyzer, placeholders: Mapping[PiiType, str]) -> None:
        self.analyzer = analyzer
        self.placeholders = dict(placeholders)

    def detect(self, text: str) -> list[PiiSpan]:
        """Personal-data spans in ``text`` (type and position only)."""
        return self.analyzer.analyze(text)

    def redact(self, text: str) -> str:
        """``text`` with personal data replaced by placeholders; use before logging or storing."""
        return self.analyzer.redact(text, placeholders=self.placeholders)


ALWAYS_REVIEWED = frozenset({ReasonCode.VIOLENCE_TERROR.value})
"""Refusals a person always sees: a threat of violence against an office, its staff or the
public is flagged to reviewers whatever the sample (GB/T 47483 §9.4.1 b, issue 9)."""


class TurnReview:
    """What a turn sends to human review, and the corrections reviewers approved.

    Args:
        queue: The review queue (redacts every text before storing it).
        stats: Counts ``review.refusal/queued``.
        refusal_sample_rate: Share of all refusals queued at random, in [0, 1].
        seed: Seed of the refusal sampler (None: unseeded).
    """

    def __init__(
        self,
        queue: ReviewQueue,
        stats: GuardStatistics,
        *,
        refusal_sample_rate: float,
        seed: int | None = None,
    ) -> None:
        self.queue = queue
        self._stats = stats
        self._sample_rate = refusal_sample_rate
        self._sampler = random.Random(seed)

    def record_flag(
        self,
        *,
        question: ScreenedQuery | str,
        answer: GuardedAnswer | None = None,
        kiosk_id: str = "",
        reason_codes: Sequence[str] | None = None,
        matter_code: str | None = None,
        aspect: str | None = None,
    ) -> ReviewItem | None:
        """Queue a flagged turn for human review (redacted); None when nothing was flagged.

        Reason codes default to those of the answer's and the question's flagging or refusing
        verdicts (GB/T 47483 §9.4.1 b).
        """
        codes = list(reason_codes or [])
        verdicts = list(answer.verdicts if answer else [])
        if isinstance(question, ScreenedQuery):
            verdicts += question.verdicts
        codes += [
            v.reason_code for v in verdicts
            if v.reason_code and v.decision in (Decision.FLAG, Decision.REFUSE)
        ]  # fmt: skip
        if not codes:
            return None
        text = question.text if isinstance(question, ScreenedQuery) else question
        return self.queue.add(
            question=text, answer=answer.screen_text if answer else "", reason_codes=codes,
            sources=answer.sources if answer else (), kiosk_id=kiosk_id,
            matter_code=matter_code, aspect=aspect,
        )  # fmt: skip

    def record_refusal(
        self, *, question: ScreenedQuery, kiosk_id: str = "", matter_code: str | None = None
    ) -> ReviewItem | None:
        """Send a refusal to human review (redacted) as ``review.refusal``, when it deserves one.

        A refusal is a claim a person can check (issue 9): it is queued when the refused text
        also matched a matter strongly (``matter_code`` given) or is a threat of violence
        (:data:`ALWAYS_REVIEWED`), and otherwise for a random sample of
        ``refusal_sample_rate`` of all refusals.

        Args:
            question: The screened (redacted) question that was refused.
            kiosk_id: Where it was asked.
            matter_code: The matter the refused text matched strongly, if any.

        Returns:
            The queued item, or None when not selected (or nothing was refused).
        """
        if question.refusal is None or question.refusal.reason_code is None:
            return None
        always = question.refusal.reason_code in ALWAYS_REVIEWED
        if matter_code is None and not always and not self._sampler.random() < self._sample_rate:
            return None
        self._stats.counters["review.refusal/queued"] += 1
        codes = [ReasonCode.REVIEW_REFUSAL.value, question.refusal.reason_code]
        return self.queue.add(
            question=question.text, answer=question.refusal.message_zh or "",
            reason_codes=codes, kiosk_id=kiosk_id, matter_code=matter_code,
        )  # fmt: skip

    def approved_correction(self, matter_code: str, aspect: str) -> str | None:
        """The reviewer-approved answer for a matter's aspect, if any."""
        return self.queue.approved_correction(matter_code, aspect)

    def matters_published(self, versions: Mapping[str, int]) -> list[int]:
        """The published matters changed: send corrections of newer matters back to review.

        A live correction of a matter that has a newer version stops being used and goes back
        to the queue as ``review.stale_correction``.

        Args:
            versions: Published version per matter code.

        Returns:
            Ids of the review items opened again.
        """
        return self.queue.proposals.matters_published(versions)


def homophone_rules(policy: PolicyConfig) -> HomophoneRules:
    """The policy's ``lexicon.homophone`` section as the lexicon's rules."""
    return HomophoneRules(**policy.lexicon.homophone.model_dump())


class LexiconService:
    """The lexicon in force: bundled terms plus the reviewers' changes from the database.

    Args:
        policy: Gives the categories and the homophone rules.
        folder: Character folding.
        holder: The holder the lexicon rails read (swapped on every rebuild); it starts with
            the lexicon of ``bundled``.
        bundled: The bundled (and operator's extra) terms.
        store: The reviewers' changes (audited).
    """

    def __init__(
        self,
        policy: PolicyConfig,
        folder: Folder,
        holder: LexiconHolder,
        bundled: list[LexiconTerm],
        store: LexiconStore,
    ) -> None:
        self._policy = policy
        self._folder = folder
        self._holder = holder
        self._bundled = bundled
        self._built_from = bundled
        """The terms the holder's lexicon was built from (a rebuild of the same is skipped)."""
        self.store = store
        self._ready = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def current(self) -> Lexicon:
        """The lexicon in force now."""
        return self._holder.lexicon

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after a term was added or removed (other workers reload)."""
        self._listeners.append(listener)

    def prepare(self) -> None:
        """Load the reviewers' changes once (matter scans); a no-op once loaded."""
        if not self._ready:
            self.reload()

    def reload(self) -> Lexicon:
        """Rebuild the lexicon from the database (warm-up, or another worker changed a term).

        When the terms in force are those the current lexicon was built from (no reviewer
        change since), the lexicon is kept: building one takes the automaton and sound index.
        """
        terms = self.store.effective(self._bundled)
        if terms != self._built_from:
            categories = list(self._policy.lexicon.categories)
            self._holder.lexicon = Lexicon(
                self._folder, terms, categories, homophones=homophone_rules(self._policy)
            )
            self._built_from = terms
        self._ready = True
        return self._holder.lexicon

    def add_term(self, term: LexiconTerm, actor: Principal) -> Lexicon:
        """Add a term (audited) and swap in the rebuilt lexicon.

        Raises:
            LexiconTermError: The category is neither ``allow`` nor one of the policy's.
        """
        return self._change(term, True, actor)

    def remove_term(self, term: LexiconTerm, actor: Principal) -> Lexicon:
        """Remove (disable) a term (audited) and swap in the rebuilt lexicon.

        Raises:
            LexiconTermError: The category is neither ``allow`` nor one of the policy's.
        """
        return self._change(term, False, actor)

    def overturn_allow_term(self, term: str, actor: Principal, live: bool) -> None:
        """An approved overturn's allow-list term joins the lexicon; a withdrawn one leaves."""
        entry = LexiconTerm(term=term, category=ALLOW, source="reviewer")
        self._change(entry, live, actor)

    def _change(self, term: LexiconTerm, active: bool, actor: Principal) -> Lexicon:
        if term.category != ALLOW and term.category not in self._policy.lexicon.categories:
            raise LexiconTermError()
        self.store.set_active(term, active, actor)
        lexicon = self.reload()
        for listener in self._listeners:
            listener()
        return lexicon


class MatterTextCheck:
    """Checks matter text on import and publish: sensitive terms and injected instructions.

    Args:
        lexicon: The lexicon service (its reviewers' changes are loaded on first use).
        injection: The injected-instruction detector.
        stats: Where verdicts are counted.
    """

    def __init__(
        self, lexicon: LexiconService, injection: InjectionDetector, stats: GuardStatistics
    ) -> None:
        self._lexicon = lexicon
        self._injection = injection
        self._stats = stats

    def scan(self, texts: Iterable[str]) -> list[RailVerdict]:
        """One refusing verdict per offending text (``safety.*`` or ``injection``).

        Needs only the lexicon (with the reviewers' changes, loaded once) and the injection
        detector, never the classifiers: a matter import or a CLI publish trains nothing.

        Returns:
            The verdicts; empty when every text is clean.
        """
        self._lexicon.prepare()
        lexicon = self._lexicon.current
        found: list[RailVerdict] = []
        for text in texts:
            hits = lexicon.scan(text)
            if hits:
                found.append(
                    RailVerdict(
                        stage="input",
                        rail="matter_lexicon",
                        decision=Decision.REFUSE,
                        reason_code=reason_of(hits[0]),
                    )
                )
            if self._injection.detect(text):
                found.append(
                    RailVerdict(
                        stage="input",
                        rail="matter_injection",
                        decision=Decision.REFUSE,
                        reason_code=ReasonCode.INJECTION,
                    )
                )
        self._stats.count(found)
        return found


class DomainTerms:
    """Government-service words (matter names, aliases, situations) and the topic classifier.

    The topic gate's vocabulary takes the words; the topic classifier learns them as guidance
    examples at :meth:`train`, and again when new words come after it.

    Args:
        settings: Whether the public dev sets are trained on, and where they are.
        vocabulary: The topic gate's vocabulary.
        topic_classifier: The topic classifier the meaning check reads.
    """

    def __init__(
        self,
        settings: GuardrailSettings,
        vocabulary: DomainVocabulary,
        topic_classifier: TopicClassifier,
    ) -> None:
        self._settings = settings
        self.vocabulary = vocabulary
        self.topic_classifier = topic_classifier
        self._terms: dict[str, None] = {}
        self._corpus: TopicCorpus | None = None
        self._public: list[TopicExample] = []
        self._scope_texts: list[str] = []

    def add(self, terms: Iterable[str]) -> int:
        """Register words; retrains the topic classifier when already trained (seconds).

        Returns:
            How many words were new to the vocabulary.
        """
        terms = list(terms)
        added = self.vocabulary.add(terms)
        new = [t for t in terms if t and t not in self._terms]
        self._terms.update(dict.fromkeys(new))
        if new and self._corpus is not None:
            self._fit()
        return added

    def train(self, scope_texts: list[str]) -> list[str]:
        """Train the topic classifier on the team corpus, the words and ``scope_texts``.

        Plus the trainable public dev halves when settings allow.

        Returns:
            Notes for ``/health``: features, the sets used and the held-out figures.
        """
        self._scope_texts = scope_texts
        self._corpus = TopicCorpus()
        self._public = self._read_public_examples()
        self._fit()
        return self._notes()

    def _fit(self) -> None:
        if self._corpus is None:  # not trained yet: :meth:`train` fits with every word
            return
        examples = self._corpus.examples(self._terms, self._scope_texts)
        self.topic_classifier.fit([*examples, *self._public])

    def _read_public_examples(self) -> list[TopicExample]:
        if not self._settings.train_on_public_sets:
            return []
        root = self._settings.public_sets_dir
        found = read_public_examples(root) if root else read_public_examples()
        return [TopicExample(e.text, e.label, e.set_name) for e in found]

    def _notes(self) -> list[str]:
        """What the topic classifier was trained on and its held-out figures."""
        clf = self.topic_classifier
        notes = [
            f"topic classifier features: {clf.features}"
            + ("" if clf.encoder else " (no sentence encoder: character n-grams only)")
        ]
        root = self._settings.public_sets_dir
        sets = available_sets(root) if root else available_sets()
        if not self._settings.train_on_public_sets:
            notes.append("topic classifier: public safety sets not used (settings)")
        elif sets:
            notes.append("topic classifier trained with public sets: " + ", ".join(sets))
        else:
            notes.append(
                "topic classifier: public safety sets absent; trained on the team "
                "corpus and the matters only"
            )
        calibration = clf.calibration
        if calibration is not None:
            held = calibration.holdout
            harmful = sum(r.get("harmful", 0) for r in held.values())
            stopped = sum(r.get("stopped", 0) for r in held.values())
            benign = sum(r.get("benign", 0) for r in held.values())
            false = sum(r.get("false_harm", 0) for r in held.values())
            notes.append(
                "topic thresholds calibrated on held-out data: "
                f"harm {calibration.harm_threshold:.3f},"
                f" guidance {calibration.guidance_threshold:.3f}; held-out harmful stopped "
                f"{stopped}/{harmful}, benign refused as unsafe {false}/{benign}"
            )
        return notes


class Classifiers:
    """Trains the scope, act and topic classifiers at warm-up (tens of seconds, once).

    Args:
        settings: Which classifiers are on.
        scope: The scope classifier (§9.4.1 e).
        acts: The act classifier of the scope rail; None when the rail has none.
        domain: The domain terms, whose topic classifier is trained with the scope questions.
        fit_with: How a scope or act classifier is trained (a snapshot loader may stand in).
    """

    def __init__(
        self,
        settings: GuardrailSettings,
        scope: ScopeClassifier,
        acts: ActClassifier | None,
        domain: DomainTerms,
        fit_with: FitWith = fit,
    ) -> None:
        self._settings = settings
        self.scope = scope
        self.acts = acts
        self._domain = domain
        self._fit_with = fit_with

    @property
    def topic(self) -> TopicClassifier:
        """The topic classifier (for reports: its calibration and held-out figures)."""
        return self._domain.topic_classifier

    def train(self) -> list[str]:
        """Train what settings turn on; returns notes for ``/health`` (what runs on rules)."""
        notes: list[str] = []
        settings = self._settings
        scope_examples = read_scope_examples(TRAIN_PATH) if TRAIN_PATH.exists() else []
        if settings.scope_classifier and scope_examples:
            self._fit_with(self.scope, scope_examples)
        if settings.scope_classifier and self.acts is not None:
            self._fit_with(self.acts, *read_act_examples(scope_path=TRAIN_PATH))
        elif not settings.scope_classifier:
            notes.append("scope classifier disabled by settings: rules only")
        else:
            notes.append("scope training set missing: rules only")
        if settings.topic_classifier:
            notes += self._domain.train([e.text for e in scope_examples])
        else:
            notes.append("topic classifier disabled by settings: vocabulary gate only")
        return notes
