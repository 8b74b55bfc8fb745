r"""The guard: input and output rail chains built from the policy file, plus their services.

The services around them: review queue, lexicon changes, counters, matter-text scanning.

``build_guardrails(settings, session_factory)`` is the package's composition function: it is
cheap (folding tables, regexes, the lexicon automaton); :meth:`Guardrails.warm_up` trains the
scope and topic classifiers and loads corrections and reviewer lexicon changes from the
database. Register the knowledge base's words with :meth:`Guardrails.add_domain_terms`
before warming up, so the topic classifier is trained once with them.

Usage example::

    guard = build_guardrails(GuardrailSettings(), sessions)
    guard.warm_up()
    screened = guard.screen("我叫张伟，身份证丢了怎么补？")
    screened.text          # "我叫[姓名]，身份证丢了怎么补？"
    answer = guard.check(draft, grounding_texts=[matter_text], fallback=extractive_draft)
    answer.screen_text     # "...\\n\\nAI生成，仅供参考"
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from guardrails.act_classifier import ActClassifier, read_act_examples
from guardrails.audit import AuditLog
from guardrails.encoder import TextEncoder
from guardrails.errors import LexiconTermError
from guardrails.folding import Folder
from guardrails.lexicon import ALLOW, HomophoneRules, Lexicon, bundled_terms, read_lexicon_file
from guardrails.lexicon_store import LexiconStore
from guardrails.models import (
    Decision,
    Draft,
    GuardedAnswer,
    GuardStatus,
    LexiconTerm,
    PiiSpan,
    Principal,
    RailVerdict,
    ReviewItem,
    ScreenedQuery,
)
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.pii.predefined import predefined_recognizers
from guardrails.pii.redact import DEFAULT_PLACEHOLDERS
from guardrails.policy_config import PolicyConfig, load_policy
from guardrails.rail_registry import RailParts, RailRegistry, default_registry
from guardrails.rails.base import InputRail, InputState, OutputRail, OutputState
from guardrails.rails.injection import InjectionDetector
from guardrails.rails.lexicon import LexiconHolder, reason_of
from guardrails.rails.scope import ScopeRail, ScopeRules
from guardrails.rails.topic import DomainVocabulary, MeaningCheck, read_domain_terms
from guardrails.reasons import ReasonCode, Tc260Map, load_tc260
from guardrails.review import ReviewQueue
from guardrails.scope_classifier import TRAIN_PATH, ScopeClassifier, read_scope_examples
from guardrails.settings import GuardrailSettings
from guardrails.tables import GuardrailsBase
from guardrails.topic_classifier import TopicClassifier, TopicCorpus, TopicExample
from guardrails.topic_data import available_sets, read_public_examples

logger = logging.getLogger(__name__)


class Guardrails:
    """Content-safety layer of daoban (GB/T 47483 §9.4); build with :func:`build_guardrails`."""

    def __init__(
        self,
        *,
        settings: GuardrailSettings,
        policy: PolicyConfig,
        folder: Folder,
        analyzer: PiiAnalyzer,
        lexicon: LexiconHolder,
        bundled: list[LexiconTerm],
        injection: InjectionDetector,
        scope_classifier: ScopeClassifier,
        scope_rail: ScopeRail,
        vocabulary: DomainVocabulary,
        topic_classifier: TopicClassifier,
        input_rails: list[InputRail],
        output_rails: list[OutputRail],
        review: ReviewQueue,
        lexicon_store: LexiconStore,
        audit: AuditLog,
        tc260: Tc260Map,
        review_store: str,
        redact: Callable[[str], str],
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.folder = folder
        self.analyzer = analyzer
        self._lexicon = lexicon
        self._bundled = bundled
        self._injection = injection
        self._scope_classifier = scope_classifier
        self.scope_rail = scope_rail
        self.vocabulary = vocabulary
        self._topic_classifier = topic_classifier
        self._matter_terms: dict[str, None] = {}
        self._topic_corpus: TopicCorpus | None = None
        self._public_examples: list[TopicExample] = []
        self._scope_texts: list[str] = []
        self._input_rails = input_rails
        self._output_rails = output_rails
        self.review = review
        self.lexicon_store = lexicon_store
        self.audit = audit
        self.tc260 = tc260
        self._review_store = review_store
        self._redact = redact
        self._warm = False
        self._matter_scan_ready = False
        self._notes: list[str] = []
        self.counters: Counter[str] = Counter()
        self._change_listeners: list[Callable[[str], None]] = []
        self._refusal_sampler = random.Random(settings.refusal_review_seed)
        self.review.proposals.allow_hook = self._overturn_allow_term
        self.fit_with: Callable[..., object] = _fit
        """How :meth:`warm_up` trains a classifier: ``fit_with(model, *data)``; the app's
        composition puts a per-node snapshot here so workers load instead of training."""

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon in force now."""
        return self._lexicon.lexicon

    # -- life cycle ------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Train the classifiers, load corrections and reviewer lexicon changes (idempotent).

        The topic classifier learns the words given to :meth:`add_domain_terms` so far; give
        the knowledge base's words first, or it is trained again when they come.
        """
        if self._warm:
            return
        scope_examples = read_scope_examples(TRAIN_PATH) if TRAIN_PATH.exists() else []
        self._scope_texts = [e.text for e in scope_examples]
        if self.settings.scope_classifier and scope_examples:
            self.fit_with(self._scope_classifier, scope_examples)
        if self.settings.scope_classifier and self.scope_rail.acts is not None:
            self.fit_with(self.scope_rail.acts, *read_act_examples(scope_path=TRAIN_PATH))
        elif not self.settings.scope_classifier:
            self._notes.append("scope classifier disabled by settings: rules only")
        else:
            self._notes.append("scope training set missing: rules only")
        if self.settings.topic_classifier:
            self._topic_corpus = TopicCorpus()
            self._public_examples = self._read_public_examples()
            self._fit_topic_classifier(self._topic_corpus)
            self._notes += self._topic_notes()
        else:
            self._notes.append("topic classifier disabled by settings: vocabulary gate only")
        self.review.load_corrections()
        self._rebuild_lexicon()
        self._warm = True
        logger.info(
            "guardrails warm policy=%s terms=%d classifier=%s",
            self.policy.version, len(self.lexicon), self._scope_classifier.fitted,
        )  # fmt: skip

    def prepare_matter_scan(self) -> None:
        """Make :meth:`scan_matter_text` current without training the classifiers.

        A matter import or a CLI publish needs only the lexicon (with the reviewers' changes)
        and the injection detector, not the scope and topic classifiers that :meth:`warm_up`
        trains (tens of seconds); idempotent, and a no-op once warm.
        """
        if not self._warm and not self._matter_scan_ready:
            self._rebuild_lexicon()
            self._matter_scan_ready = True

    def status(self) -> GuardStatus:
        """Policy version, rails, lexicon size, fallbacks and counters for ``/health``."""
        return GuardStatus(
            available=True,
            policy_version=self.policy.version,
            input_rails=list(self.policy.input.rails),
            output_rails=list(self.policy.output.rails),
            lexicon_terms=len(self.lexicon),
            allow_terms=self.lexicon.allow_count,
            scope_classifier=self._scope_classifier.fitted,
            topic_classifier=self._topic_classifier.fitted,
            review_store=self._review_store,
            notes=list(self._notes),
            counters=dict(self.counters),
        )

    # -- input -----------------------------------------------------------------------------
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
        for rail in self._input_rails:  # the policy puts pii before any refusing rail
            result = self._timed_input(rail, state)
            verdicts.append(result)
            if result.decision == Decision.REFUSE:
                refusal = result
                break
        self._count(verdicts)
        declined = state.declined if refusal is None else []
        return ScreenedQuery(
            text=state.text, pii=state.pii, verdicts=verdicts, refusal=refusal,
            declined=declined, answerable_text=state.answerable if declined else None,
        )  # fmt: skip

    def _timed_input(self, rail: InputRail, state: InputState) -> RailVerdict:
        started = time.perf_counter()
        result = rail.screen(state)
        elapsed = (time.perf_counter() - started) * 1000
        return result.model_copy(update={"duration_ms": round(elapsed, 4)})

    # -- output ----------------------------------------------------------------------------
    def check(
        self, draft: Draft, grounding_texts: Sequence[str], fallback: Draft | None = None
    ) -> GuardedAnswer:
        """Run the output rails on a composed answer.

        Args:
            draft: The composed answer.
            grounding_texts: Text of the cited matters; every number in the answer must occur.
            fallback: The extractive answer to use when the draft fails a check.

        Returns:
            The answer, labelled "AI生成，仅供参考" on screen and in speech, with verdicts;
            ``replaced`` when the fallback (or a safe message) was substituted, ``flagged``
            when it should go to the review queue.
        """
        state = OutputState(
            screen_text=draft.screen_text, spoken_text=draft.spoken_text,
            grounding_texts=list(grounding_texts), fallback=fallback,
        )  # fmt: skip
        verdicts: list[RailVerdict] = []
        for rail in self._output_rails:
            started = time.perf_counter()
            result = rail.check(state)
            elapsed = (time.perf_counter() - started) * 1000
            verdicts.append(result.model_copy(update={"duration_ms": round(elapsed, 4)}))
        self._count(verdicts)  # the policy ends the output rails with label
        sources = fallback.sources if state.replaced and fallback is not None else draft.sources
        return GuardedAnswer(
            screen_text=state.screen_text, spoken_text=state.spoken_text, sources=sources,
            verdicts=verdicts, flagged=state.flagged, replaced=state.replaced,
        )  # fmt: skip

    # -- personal data ---------------------------------------------------------------------
    def detect_pii(self, text: str) -> list[PiiSpan]:
        """Personal-data spans in ``text`` (type and position only)."""
        return self.analyzer.analyze(text)

    def redact(self, text: str) -> str:
        """``text`` with personal data replaced by placeholders; use before logging or storing."""
        return self._redact(text)

    # -- review ----------------------------------------------------------------------------
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

        Reason codes default to those of the answer's and the question's non-allow verdicts.
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
        return self.review.add(
            question=text, answer=answer.screen_text if answer else "", reason_codes=codes,
            sources=answer.sources if answer else (), kiosk_id=kiosk_id,
            matter_code=matter_code, aspect=aspect,
        )  # fmt: skip

    def approved_correction(self, matter_code: str, aspect: str) -> str | None:
        """The reviewer-approved answer for a matter's aspect, if any."""
        return self.review.approved_correction(matter_code, aspect)

    def record_refusal(
        self, *, question: ScreenedQuery, kiosk_id: str = "", matter_code: str | None = None
    ) -> ReviewItem | None:
        """Send a refusal to human review (redacted) as ``review.refusal``, when it deserves one.

        A refusal is a claim a person can check (issue 9): it is queued when the refused text
        also matched a matter strongly (``matter_code`` given), and otherwise for a random
        sample of ``settings.refusal_review_sample_rate`` of all refusals.

        Args:
            question: The screened (redacted) question that was refused.
            kiosk_id: Where it was asked.
            matter_code: The matter the refused text matched strongly, if any.

        Returns:
            The queued item, or None when not selected (or nothing was refused).
        """
        if question.refusal is None or question.refusal.reason_code is None:
            return None
        if matter_code is None and not (
            self._refusal_sampler.random() < self.settings.refusal_review_sample_rate
        ):
            return None
        self.counters["review.refusal/queued"] += 1
        codes = [ReasonCode.REVIEW_REFUSAL.value, question.refusal.reason_code]
        return self.review.add(
            question=question.text, answer=question.refusal.message_zh or "",
            reason_codes=codes, kiosk_id=kiosk_id, matter_code=matter_code,
        )  # fmt: skip

    def matters_published(self, versions: Mapping[str, int]) -> list[int]:
        """The published matters changed: send corrections of newer matters back to review.

        A live correction of a matter that has a newer version stops being used and goes back
        to the queue as ``review.stale_correction``.

        Args:
            versions: Published version per matter code.

        Returns:
            Ids of the review items opened again.
        """
        return self.review.proposals.matters_published(versions)

    def _overturn_allow_term(self, term: str, actor: Principal, live: bool) -> None:
        """An approved overturn's allow-list term joins the lexicon; a withdrawn one leaves."""
        entry = LexiconTerm(term=term, category=ALLOW, source="reviewer")
        if live:
            self.add_term(entry, actor)
        else:
            self.remove_term(entry, actor)

    # -- matter text and domain ------------------------------------------------------------
    def scan_matter_text(self, texts: Iterable[str]) -> list[RailVerdict]:
        """Check matter text on import and publish: sensitive terms and injected instructions.

        Returns:
            One refusing verdict per offending text (``safety.*`` or ``injection``); empty when
            every text is clean.
        """
        self.prepare_matter_scan()  # the reviewers' lexicon, once (a no-op once warm)
        found: list[RailVerdict] = []
        for text in texts:
            hits = self.lexicon.scan(text)
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
        self._count(found)
        return found

    def add_domain_terms(self, terms: Iterable[str]) -> int:
        """Register government-service words (matter names, aliases, situations).

        The topic gate's vocabulary takes them, and the topic classifier learns them as
        guidance examples — at :meth:`warm_up`, or retrained now when already warm (a few seconds).

        Returns:
            How many words were new to the vocabulary.
        """
        terms = list(terms)
        added = self.vocabulary.add(terms)
        new = [t for t in terms if t and t not in self._matter_terms]
        self._matter_terms.update(dict.fromkeys(new))
        if new and self._topic_corpus is not None:
            self._fit_topic_classifier(self._topic_corpus)
        return added

    def _fit_topic_classifier(self, corpus: TopicCorpus) -> None:
        """Train on the corpus and the scope questions read at warm-up.

        Plus the matter words and the trainable public dev halves (when present).
        """
        examples = corpus.examples(self._matter_terms, self._scope_texts)
        self._topic_classifier.fit([*examples, *self._public_examples])

    def _read_public_examples(self) -> list[TopicExample]:
        if not self.settings.train_on_public_sets:
            return []
        root = self.settings.public_sets_dir
        found = read_public_examples(root) if root else read_public_examples()
        return [TopicExample(e.text, e.label, e.set_name) for e in found]

    def _topic_notes(self) -> list[str]:
        """What the topic classifier was trained on and its held-out figures, for ``/health``."""
        clf = self._topic_classifier
        notes = [f"topic classifier features: {clf.features}"
                 + ("" if clf.encoder else " (no sentence encoder: character n-grams only)")]
        root = self.settings.public_sets_dir
        sets = available_sets(root) if root else available_sets()
        if not self.settings.train_on_public_sets:
            notes.append("topic classifier: public safety sets not used (settings)")
        elif sets:
            notes.append("topic classifier trained with public sets: " + ", ".join(sets))
        else:
            notes.append("topic classifier: public safety sets absent; trained on the team "
                         "corpus and the matters only")  # fmt: skip
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

    @property
    def topic_classifier(self) -> TopicClassifier:
        """The topic classifier (for reports: its calibration and held-out figures)."""
        return self._topic_classifier

    # -- lexicon changes -------------------------------------------------------------------
    def subscribe_changes(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(kind)`` after a change other workers must apply.

        ``kind`` is ``"lexicon"`` (a term added or removed) or ``"corrections"`` (a
        correction approved).
        """
        self._change_listeners.append(listener)
        self.review.subscribe(lambda: listener("corrections"))

    def _changed(self, kind: str) -> None:
        for listener in self._change_listeners:
            listener(kind)

    def reload_lexicon(self) -> None:
        """Rebuild the lexicon from the database (another worker changed a term)."""
        self._rebuild_lexicon()

    def add_term(self, term: LexiconTerm, actor: Principal) -> Lexicon:
        """Add a term (audited) and swap in the rebuilt lexicon."""
        self._require_category(term.category)
        self.lexicon_store.set_active(term, True, actor)
        lexicon = self._rebuild_lexicon()
        self._changed("lexicon")
        return lexicon

    def remove_term(self, term: LexiconTerm, actor: Principal) -> Lexicon:
        """Remove (disable) a term (audited) and swap in the rebuilt lexicon."""
        self._require_category(term.category)
        self.lexicon_store.set_active(term, False, actor)
        lexicon = self._rebuild_lexicon()
        self._changed("lexicon")
        return lexicon

    def _require_category(self, category: str) -> None:
        if category != ALLOW and category not in self.policy.lexicon.categories:
            raise LexiconTermError()

    def _rebuild_lexicon(self) -> Lexicon:
        terms = self.lexicon_store.effective(self._bundled)
        categories = list(self.policy.lexicon.categories)
        self._lexicon.lexicon = Lexicon(
            self.folder, terms, categories, homophones=homophone_rules(self.policy)
        )
        return self._lexicon.lexicon

    def _count(self, verdicts: Iterable[RailVerdict]) -> None:
        for v in verdicts:
            if v.decision != Decision.ALLOW and v.reason_code:
                self.counters[f"{v.reason_code}/{v.decision.value}"] += 1
                if v.via is not None and v.via != "exact":  # evasion statistics (no text)
                    self.counters[f"lexicon.{v.via}/{v.decision.value}"] += 1
                logger.debug(
                    "guard verdict stage=%s rail=%s decision=%s reason=%s duration_ms=%.3f",
                    v.stage, v.rail, v.decision.value, v.reason_code, v.duration_ms,
                )  # fmt: skip


def _fit(model: object, *data: object) -> object:
    """Train ``model`` on ``data`` (the default of :attr:`Guardrails.fit_with`)."""
    return model.fit(*data)  # type: ignore[attr-defined]


def homophone_rules(policy: PolicyConfig) -> HomophoneRules:
    """The policy's ``lexicon.homophone`` section as the lexicon's rules."""
    return HomophoneRules(**policy.lexicon.homophone.model_dump())


def _memory_sessions() -> sessionmaker[Session]:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False},
        hide_parameters=True,
    )
    GuardrailsBase.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


def build_guardrails(
    settings: GuardrailSettings,
    session_factory: sessionmaker[Session] | None = None,
    encoder: TextEncoder | None = None,
    registry: RailRegistry | None = None,
) -> Guardrails:
    """Build the guard from settings and the policy file (cheap; call ``warm_up`` next).

    Args:
        settings: The guardrails settings section.
        session_factory: Sessions on the app's (migrated) database; None keeps the review queue
            in an in-memory SQLite database (CLI, evals, unit tests), said in ``status().notes``.
        encoder: The sentence encoder retrieval uses (loaded), shared so a question is
            embedded once per turn; None trains the topic classifier on character n-grams
            only (said in ``status().notes``).
        registry: The rails the policy's names resolve to; None is
            :func:`~guardrails.rail_registry.default_registry`.

    Raises:
        PolicyError: The policy file is invalid, names a rail ``registry`` does not know or
            lacks the ``pii`` or ``label`` rail.
    """
    policy = load_policy(settings.policy_path, registry)
    hotline = settings.hotline or policy.hotline
    messages = {code: policy.message(code, hotline) for code in policy.messages}
    folder = Folder()
    bundled = bundled_terms()
    if settings.extra_lexicon_path is not None:
        bundled += read_lexicon_file(settings.extra_lexicon_path)
    holder = LexiconHolder(
        Lexicon(folder, bundled, list(policy.lexicon.categories),
                homophones=homophone_rules(policy))
    )  # fmt: skip
    placeholders = {**DEFAULT_PLACEHOLDERS, **policy.pii.placeholders}
    analyzer = PiiAnalyzer(predefined_recognizers(), threshold=policy.pii.threshold)
    redact = partial(analyzer.redact, placeholders=placeholders)
    injection = InjectionDetector(folder)
    classifier = ScopeClassifier()
    topic_classifier = TopicClassifier(
        encoder, settings.topic_cache_dir, max_false_harm=policy.topic.max_false_harm,
        min_guidance_recall=policy.topic.min_guidance_recall,
    )  # fmt: skip
    meaning = MeaningCheck(
        topic_classifier, harm_threshold=policy.topic.harm_threshold,
        guidance_threshold=policy.topic.guidance_threshold,
        exonerate_harm=policy.topic.exonerate_harm, calibrated=policy.topic.calibrate,
    )  # fmt: skip
    scope_rail = ScopeRail(
        ScopeRules(folder), classifier, policy.scope.mode, policy.scope.classifier_threshold,
        messages,
        in_domain=lambda text: topic_classifier.is_guidance(text, meaning.thresholds()[1]),
        acts=ActClassifier(encoder, settings.topic_cache_dir),
        act_threshold=policy.scope.act_threshold,
    )  # fmt: skip
    vocabulary = DomainVocabulary(folder, read_domain_terms())
    parts = RailParts(
        policy=policy, hotline=hotline, messages=messages, folder=folder, analyzer=analyzer,
        placeholders=placeholders, lexicon=holder, injection=injection, meaning=meaning,
        scope=scope_rail, vocabulary=vocabulary,
    )  # fmt: skip
    rails = registry or default_registry()
    input_rails = rails.input_rails(policy, parts)
    output_rails = rails.output_rails(policy, parts)
    review_store = "database" if session_factory is not None else "memory"
    sessions = session_factory or _memory_sessions()
    audit = AuditLog(sessions)
    guard = Guardrails(
        settings=settings, policy=policy, folder=folder, analyzer=analyzer, lexicon=holder,
        bundled=bundled, injection=injection, scope_classifier=classifier, scope_rail=scope_rail,
        vocabulary=vocabulary, topic_classifier=topic_classifier, input_rails=input_rails,
        output_rails=output_rails,
        review=ReviewQueue(sessions, redact=redact, audit=audit, policy_version=policy.version),
        lexicon_store=LexiconStore(sessions, audit), audit=audit, tc260=load_tc260(),
        review_store=review_store, redact=redact,
    )  # fmt: skip
    if session_factory is None:
        guard._notes.append("review queue in memory: no database given")
    return guard
