r"""The guard's composition: its services built from settings, the policy file and a database.

:func:`build_guardrails` is the package's composition function. It is cheap (folding tables,
regexes, the lexicon automaton) and builds the rails the policy file names through the rail
registry (:mod:`guardrails.rail_registry`), then the small services of
:mod:`guardrails.services` around them. :class:`Guardrails` is only the set of those services
plus their life cycle (:meth:`Guardrails.warm_up`, :meth:`Guardrails.status`): callers take
the one service they use — the pipeline an :class:`~guardrails.services.InputGuard`, an
:class:`~guardrails.services.OutputGuard` and a :class:`~guardrails.services.TurnReview`
(bundled as :class:`TurnGuard`); the reviewer API the review queue, the lexicon service, the
audit log and the statistics; a matter store the :class:`~guardrails.services.MatterTextCheck`;
the editor desk a :class:`MatterScanner`.

The guard never builds its own database: the composition passes the sessions of the app's
(migrated) database, or, for a tool that keeps nothing,
:func:`guardrails.tables.memory_sessionmaker`.

Usage example::

    guard = build_guardrails(GuardrailSettings(), sessions)
    guard.domain.add(matter_names)     # before warm-up: the topic classifier is trained once
    guard.warm_up()
    screened = guard.input.screen("我叫张伟，身份证丢了怎么补？")
    screened.text          # "我叫[姓名]，身份证丢了怎么补？"
    answer = guard.output.check(draft, grounding_texts=[matter_text], fallback=extractive_draft)
    answer.screen_text     # "...\\n\\nAI生成，仅供参考"
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from guardrails.act_classifier import ActClassifier
from guardrails.audit import AuditLog
from guardrails.encoder import TextEncoder
from guardrails.folding import Folder
from guardrails.lexicon import Lexicon, bundled_terms, read_lexicon_file
from guardrails.lexicon_store import LexiconStore
from guardrails.models import (
    Draft,
    GuardedAnswer,
    GuardStatus,
    PiiSpan,
    RailVerdict,
    ReviewItem,
    ScreenedQuery,
)
from guardrails.pii.analyzer import PiiAnalyzer
from guardrails.pii.predefined import predefined_recognizers
from guardrails.pii.redact import DEFAULT_PLACEHOLDERS
from guardrails.policy_config import PolicyConfig, load_policy
from guardrails.rail_registry import RailParts, RailRegistry, default_registry
from guardrails.rails.injection import InjectionDetector
from guardrails.rails.lexicon import LexiconHolder
from guardrails.rails.scope import ScopeRail, ScopeRules
from guardrails.rails.topic import DomainVocabulary, MeaningCheck, read_domain_terms
from guardrails.reasons import Tc260Map, load_tc260
from guardrails.review import ReviewQueue
from guardrails.scope_classifier import ScopeClassifier
from guardrails.services import (
    Classifiers,
    DomainTerms,
    FitWith,
    GuardStatistics,
    InputGuard,
    LexiconService,
    MatterTextCheck,
    OutputGuard,
    PersonalData,
    TurnReview,
    fit,
    homophone_rules,
)
from guardrails.settings import GuardrailSettings
from guardrails.tables import is_memory
from guardrails.topic_classifier import TopicClassifier

__all__ = ["Guardrails", "MatterScanner", "TurnGuard", "build_guardrails"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnGuard:
    """What one assistant turn needs of the guard (the pipeline's ``Guard``).

    Screening, the output check and the review of the turn, from their three services.
    """

    input: InputGuard
    output: OutputGuard
    review: TurnReview

    def screen(self, text: str) -> ScreenedQuery:
        """See :meth:`InputGuard.screen`."""
        return self.input.screen(text)

    def check(
        self, draft: Draft, grounding_texts: Sequence[str], fallback: Draft | None = None
    ) -> GuardedAnswer:
        """See :meth:`OutputGuard.check`."""
        return self.output.check(draft, grounding_texts, fallback)

    def approved_correction(self, matter_code: str, aspect: str) -> str | None:
        """See :meth:`TurnReview.approved_correction`."""
        return self.review.approved_correction(matter_code, aspect)

    def record_refusal(
        self, *, question: ScreenedQuery, kiosk_id: str = "", matter_code: str | None = None
    ) -> ReviewItem | None:
        """See :meth:`TurnReview.record_refusal`."""
        return self.review.record_refusal(
            question=question, kiosk_id=kiosk_id, matter_code=matter_code
        )

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
        """See :meth:`TurnReview.record_flag`."""
        return self.review.record_flag(
            question=question, answer=answer, kiosk_id=kiosk_id, reason_codes=reason_codes,
            matter_code=matter_code, aspect=aspect,
        )  # fmt: skip


@dataclass(frozen=True)
class MatterScanner:
    """What the editor's content check needs of the guard (``knowledge.editor.TextScanner``).

    The matter text check and personal-data detection, from their two services.
    """

    matters: MatterTextCheck
    pii: PersonalData

    def detect_pii(self, text: str) -> list[PiiSpan]:
        """See :meth:`PersonalData.detect`."""
        return self.pii.detect(text)

    def scan_matter_text(self, texts: Iterable[str]) -> list[RailVerdict]:
        """See :meth:`MatterTextCheck.scan`."""
        return self.matters.scan(texts)


@dataclass
class Guardrails:
    """Content-safety layer of daoban (GB/T 47483 §9.4): its services, built together.

    Build with :func:`build_guardrails`; hand each caller the service it uses.

    Attributes:
        settings: The guardrails settings section (reviewer tokens, classifier switches).
        policy: The policy file in force.
        input: Screens citizen text.
        output: Checks composed answers.
        pii: Finds and redacts personal data.
        review: The review queue (items, decisions, four-eyes proposals).
        turns: What a turn sends to review and the approved corrections it reads.
        lexicon: The lexicon in force and the reviewers' changes.
        matters: The scan of matter text on import and publish.
        domain: Government-service words and the topic classifier.
        classifiers: Trains the scope, act and topic classifiers.
        stats: Verdict counters (no text).
        audit: The audit log of reviewers' decisions and lexicon changes.
        tc260: Reason codes → TC260-003 Appendix A classes.
    """

    settings: GuardrailSettings
    policy: PolicyConfig
    input: InputGuard
    output: OutputGuard
    pii: PersonalData
    review: ReviewQueue
    turns: TurnReview
    lexicon: LexiconService
    matters: MatterTextCheck
    domain: DomainTerms
    classifiers: Classifiers
    stats: GuardStatistics
    audit: AuditLog
    tc260: Tc260Map
    review_store: str = "database"
    """``database``, or ``memory`` when built on an in-memory SQLite database."""
    notes: list[str] = field(default_factory=list)
    """Fallbacks in force, for ``/health`` (rules only, no encoder, review queue in memory)."""
    _warm: bool = field(default=False, init=False, repr=False)

    @property
    def turn_guard(self) -> TurnGuard:
        """The pipeline's view: screen, check and the turn's review."""
        return TurnGuard(self.input, self.output, self.turns)

    @property
    def matter_scanner(self) -> MatterScanner:
        """The editor's view: the matter text check and personal-data detection."""
        return MatterScanner(self.matters, self.pii)

    def warm_up(self) -> None:
        """Train the classifiers, load corrections and reviewer lexicon changes (idempotent).

        The topic classifier learns the words given to ``domain.add`` so far; give the
        knowledge base's words first, or it is trained again when they come.
        """
        if self._warm:
            return
        self.notes += self.classifiers.train()
        self.review.load_corrections()
        lexicon = self.lexicon.reload()
        self._warm = True
        logger.info(
            "guardrails warm policy=%s terms=%d classifier=%s",
            self.policy.version, len(lexicon), self.classifiers.scope.fitted,
        )  # fmt: skip

    def status(self) -> GuardStatus:
        """Policy version, rails, lexicon size, fallbacks and counters for ``/health``."""
        lexicon: Lexicon = self.lexicon.current
        return GuardStatus(
            available=True,
            policy_version=self.policy.version,
            input_rails=[rail.name for rail in self.input.rails],
            output_rails=[rail.name for rail in self.output.rails],
            lexicon_terms=len(lexicon),
            allow_terms=lexicon.allow_count,
            scope_classifier=self.classifiers.scope.fitted,
            topic_classifier=self.classifiers.topic.fitted,
            review_store=self.review_store,
            notes=list(self.notes),
            counters=self.stats.snapshot(),
        )  # fmt: skip


def build_guardrails(
    settings: GuardrailSettings,
    session_factory: sessionmaker[Session],
    encoder: TextEncoder | None = None,
    *,
    registry: RailRegistry | None = None,
    fit_with: FitWith = fit,
) -> Guardrails:
    """Build the guard's services from settings and the policy file (cheap; ``warm_up`` next).

    Args:
        settings: The guardrails settings section.
        session_factory: Sessions on the app's (migrated) database, where the review queue,
            the reviewers' lexicon changes and the audit log live. Required: a tool that keeps
            nothing passes :func:`guardrails.tables.memory_sessionmaker` (said in
            ``status().notes``).
        encoder: The sentence encoder retrieval uses (loaded), shared so a question is
            embedded once per turn; None trains the topic classifier on character n-grams
            only (said in ``status().notes``).
        registry: The rails the policy's names resolve to; None is
            :func:`~guardrails.rail_registry.default_registry`.
        fit_with: How warm-up trains the scope and act classifiers; the app's composition
            passes a per-node snapshot so workers load instead of training.

    Raises:
        PolicyError: The policy file is invalid, names a rail ``registry`` does not know or
            lacks the ``pii`` or ``label`` rail.
        TypeError: No ``session_factory`` (the guard builds no database of its own).
    """
    if not isinstance(session_factory, sessionmaker):
        raise TypeError("build_guardrails needs the sessions of a database (session_factory)")
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
    pii = PersonalData(
        PiiAnalyzer(predefined_recognizers(), threshold=policy.pii.threshold), placeholders
    )
    injection = InjectionDetector(folder)
    scope_classifier = ScopeClassifier()
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
        ScopeRules(folder), scope_classifier, policy.scope.mode,
        policy.scope.classifier_threshold, messages,
        in_domain=lambda text: topic_classifier.is_guidance(text, meaning.thresholds()[1]),
        acts=ActClassifier(encoder, settings.topic_cache_dir),
        act_threshold=policy.scope.act_threshold,
    )  # fmt: skip
    domain = DomainTerms(settings, DomainVocabulary(folder, read_domain_terms()), topic_classifier)
    parts = RailParts(
        policy=policy, hotline=hotline, messages=messages, folder=folder, analyzer=pii.analyzer,
        placeholders=placeholders, lexicon=holder, injection=injection, meaning=meaning,
        scope=scope_rail, vocabulary=domain.vocabulary,
    )  # fmt: skip
    rails = registry or default_registry()
    stats = GuardStatistics()
    audit = AuditLog(session_factory)
    review = ReviewQueue(
        session_factory, redact=pii.redact, audit=audit, policy_version=policy.version
    )
    lexicon = LexiconService(policy, folder, holder, bundled, LexiconStore(session_factory, audit))
    review.proposals.allow_hook = lexicon.overturn_allow_term
    guard = Guardrails(
        settings=settings,
        policy=policy,
        input=InputGuard(rails.input_rails(policy, parts), stats),
        output=OutputGuard(rails.output_rails(policy, parts), stats),
        pii=pii,
        review=review,
        turns=TurnReview(
            review,
            stats,
            refusal_sample_rate=settings.refusal_review_sample_rate,
            seed=settings.refusal_review_seed,
        ),
        lexicon=lexicon,
        matters=MatterTextCheck(lexicon, injection, stats),
        domain=domain,
        classifiers=Classifiers(settings, scope_classifier, scope_rail.acts, domain, fit_with),
        stats=stats,
        audit=audit,
        tc260=load_tc260(),
    )
    if is_memory(session_factory):
        guard.review_store = "memory"
        guard.notes.append("review queue in memory: no database given")
    return guard
