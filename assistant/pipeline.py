"""The assistant turn: input guard → intent → retrieve → compose → output guard.

Reads top to bottom like the design diagram::

    screened = guard.screen(turn.question)                 # ScreenedQuery (redacted)
    intent   = intents.classify(screened.text)             # Intent
    hits     = retriever.search(screened.text, k=top_k)    # list[Hit]
    matter   = resolve(...)                                # follow-up, clarify, abstain
    draft    = await composer.compose(...)                 # Draft with citations
    answer   = guard.check(draft, grounding, fallback)     # GuardedAnswer, labelled

Every stage takes and returns typed objects. The citizen's raw text is used only by the input
guard; everything after it sees the redacted text, and nothing here logs text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Protocol

from assistant.dialogue import DialogueState, SessionStore
from assistant.digital_human import script_for_answer
from assistant.follow_up import FOLLOW_UP_LEAD, names_another_matter, residue
from assistant.generate.base import Composer
from assistant.generate.extractive import ExtractiveComposer, unpublished_element
from assistant.grounding import grounding_text as matter_grounding_text
from assistant.intent import ASPECT_CUES, IntentClassifier
from assistant.models import Answer, Intent, IntentKind, KioskAction, Route, Turn, TurnResult
from assistant.modes import adapt_to_mode
from assistant.replies import Replies
from guardrails.models import Decision, Draft, GuardedAnswer, ScreenedQuery
from knowledge.models import Aspect, Hit, Matter
from knowledge.retrieve import HybridRetriever
from knowledge.text import normalize
from speech.models import Pace

logger = logging.getLogger(__name__)


class Guard(Protocol):
    """What the pipeline needs of the guardrails (``guardrails.policy.TurnGuard``)."""

    def screen(self, text: str) -> ScreenedQuery:
        """Run the input rails; the result's text is redacted."""
        ...

    def check(
        self, draft: Draft, grounding_texts: list[str], fallback: Draft | None
    ) -> GuardedAnswer:
        """Run the output rails; the result is labelled."""
        ...

    def approved_correction(self, matter_code: str, aspect: str) -> str | None:
        """A reviewer's approved answer for this matter and aspect, if any."""
        ...

    def record_refusal(
        self, *, question: ScreenedQuery, kiosk_id: str, matter_code: str | None
    ) -> object:
        """Queue a refusal for review (redacted) as ``review.refusal``, when selected.

        Selected: it matched a matter strongly (``matter_code``), or by sampling.
        """
        ...

    def record_flag(
        self,
        *,
        question: ScreenedQuery,
        answer: GuardedAnswer,
        kiosk_id: str,
        matter_code: str | None,
        aspect: str | None,
    ) -> object:
        """Queue a flagged turn (redacted) for human review (§9.4.1 b)."""
        ...


def grounding_text(matter: Matter) -> str:
    """What a matter's guide says, with units: what answers about it may cite.

    Not its code, version or timestamps (see :mod:`assistant.grounding`).
    """
    return matter_grounding_text(matter)


ASPECT_QUESTIONS: dict[Aspect, str] = {
    Aspect.MATERIALS: "需要带什么材料？",
    Aspect.TIME_LIMIT: "要多久能办好？",
    Aspect.PLACE: "在哪里办？",
    Aspect.FEE: "收费吗？",
    Aspect.CONDITIONS: "办理条件是什么？",
    Aspect.CHANNELS: "能在自助机上办吗？",
}


def _route(matter: Matter, score: float) -> Route:
    """The one-click route into ``matter``."""
    return Route(
        matter_code=matter.code, matter_name=matter.name, kiosk_route=matter.kiosk_route,
        score=score, english_name=matter.english_name,
    )


SUGGEST_SCORE = 0.5
"""Fused score from which a weak hit is still offered as a "did you mean" choice."""

SUGGEST_MATCHED = 1.5
"""Weighted key-syllable matches from which a weak hit is still offered as a choice."""

TOPIC_MIN_CHARS = 2
"""A question with fewer content characters than this, once its aspect cues are removed,
names no matter ("那要多久", "需要什么材料")."""

CLARIFY_CHOICES = 5
"""At most this many same-name matters are offered as choices."""


def choice_label(matter: Matter) -> str:
    """A matter's name with its implementing department and level: 事项名称（实施机构，层级）."""
    where = "，".join(part for part in (matter.department, matter.level) if part)
    return f"{matter.name}（{where}）" if where else matter.name


def choice_labels(matters: Sequence[Matter]) -> list[str]:
    """:func:`choice_label` of each matter, told apart further where two would read the same.

    A region lists one matter per sub-item (办理项) under one name, department and level
    (保安员证核发 ×4 at one police bureau): where labels collide, each gets the first of its
    aliases that the colliding matters do not share (the importer keeps the sub-item there),
    so a citizen is never offered two identical choices.
    """
    labels = [choice_label(m) for m in matters]
    for label in set(labels):
        group = [i for i, other in enumerate(labels) if other == label]
        if len(group) < 2:
            continue
        shared = set.intersection(*(set(matters[i].aliases) for i in group))
        for i in group:
            own = next(
                (a for a in matters[i].aliases if a not in shared and a != matters[i].name), None
            )
            if own is not None and label.endswith("）"):
                labels[i] = f"{label[:-1]}，{own}）"
            elif own is not None:
                labels[i] = f"{label}（{own}）"
    return labels


SUGGEST_SEMANTIC = 0.5
"""Calibrated semantic match (``Hit.semantic``) from which a weak hit is offered as a choice."""

OFF_TOPIC = "scope.off_topic"
"""The topic rail's redirect of a question it judges not about government services."""

IN_CATALOGUE_SEMANTIC = 0.9
"""Calibrated semantic match (``Hit.semantic``) from which a published matter contradicts an
off-topic judgement: the question is about that matter (see :meth:`Pipeline.run`)."""

IN_CATALOGUE_COVERAGE = 0.6
IN_CATALOGUE_MATCHED = 3.0
"""Coverage and weighted key-syllable matches from which the matter's own words contradict an
off-topic judgement (a typo of the matter's name: 发票真伪坚定 → 发票真伪鉴定)."""


class Pipeline:
    """One citizen turn, end to end.

    Usage example::

        result = await pipeline.run(Turn(question="身份证丢了怎么补办"))
        result.routes[0].matter_code   # "HJ-0004"
    """

    def __init__(
        self,
        *,
        guard: Guard,
        retriever: HybridRetriever,
        sessions: SessionStore,
        replies: Replies,
        composer: Composer | None = None,
        top_k: int = 5,
        abstain_coverage: float = 0.35,
        clarify_margin: float = 0.015,
        abstain_matched: float = 2.5,
        abstain_semantic: float = 0.8,
    ) -> None:
        """Wire the stages; ``composer`` defaults to the extractive one."""
        self.guard = guard
        self.retriever = retriever
        self.sessions = sessions
        self.replies = replies
        self.extractive = ExtractiveComposer(replies.hotline)
        self.composer: Composer = composer or self.extractive
        self.intents = IntentClassifier()
        self.top_k = top_k
        self.abstain_coverage = abstain_coverage
        self.clarify_margin = clarify_margin
        self.abstain_matched = abstain_matched
        self.abstain_semantic = abstain_semantic

    async def run(self, turn: Turn) -> TurnResult:
        """Answer ``turn``; never raises on citizen input."""
        started = time.perf_counter()
        screened = self.guard.screen(turn.question)
        # The refused text's best matter, searched once: the overrule and the review use it.
        refused_hits = (
            self.retriever.search(screened.text, k=1) if screened.refusal is not None else []
        )
        intent = self.intents.classify(screened.question_text)  # once: the overrules read it
        if (
            self._catalogue_overrules(screened, refused_hits)
            or self._dialogue_overrules(turn, screened, intent)
            or self._greeting_overrules(screened, intent)
        ):
            screened = screened.model_copy(update={"refusal": None})
        if screened.refusal is not None:
            result = self._system_reply(
                IntentKind.OUT_OF_SCOPE,
                screened.refusal.message_zh or self.replies.refused(),
                screened,
                refused=True,
                reason_code=screened.refusal.reason_code,
            )
            self._review_refusal(turn, screened, refused_hits)
        else:
            result = await self._answer(turn, screened, intent)
            if screened.declined:
                result = self._decline_acts(result, screened)
        result = adapt_to_mode(result, turn, self.retriever.matter, self.replies.hotline)
        if turn.with_script:
            pace = Pace.ELDERLY if turn.elderly else Pace.STANDARD
            codes = [s.matter_code for s in result.sources]
            script = script_for_answer(
                result.answer.screen_text, pace, codes[0] if codes else None
            )
            result = result.model_copy(update={"script": script})
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        logger.info(
            "turn answered",
            extra={
                "intent": result.intent.value,
                "refused": result.refused,
                "reason_code": result.reason_code,
                "routes": len(result.routes),
                "latency_ms": latency_ms,
            },
        )
        return result.model_copy(update={"latency_ms": latency_ms, "session_id": turn.session_id})

    def _greeting_overrules(self, screened: ScreenedQuery, intent: Intent) -> bool:
        """Whether a bare greeting ("你好", "在吗", "谢谢") was refused by a scope or topic rail.

        The whole text is a greeting (:data:`~assistant.intent.CHITCHAT` is anchored at both
        ends), so it asks the kiosk to do nothing and is about no topic; the act classifier's
        reading of so short a text is noise ("你好" scored as a final-decision request). A
        ``safety.*`` refusal is never overruled. Returns False when nothing was refused.
        """
        refusal = screened.refusal
        if refusal is None or (refusal.reason_code or "").startswith("safety."):
            return False
        return intent.kind is IntentKind.CHITCHAT

    def _catalogue_overrules(self, screened: ScreenedQuery, hits: list[Hit]) -> bool:
        """Whether a published matter answers a question the topic rail called off-topic.

        ``hits`` is the search of the refused (redacted) text for its best matter (``k=1``).

        ``scope.off_topic`` is a classifier's guess that the text is not about government
        services; the region's own catalogue is the authority on what is (GB/T 47483 §7.2:
        guidance covers the published matters). A matter that explains the question this
        strongly — :data:`IN_CATALOGUE_SEMANTIC`, or :data:`IN_CATALOGUE_COVERAGE` with
        :data:`IN_CATALOGUE_MATCHED` — overrules the redirect and the turn is answered. Only
        the plain off-topic redirect of a text the meaning classifier reads as clearly harmless
        (``RailVerdict.harmless``: harm below the policy's ``topic.exonerate_harm``) is
        overruled: never a ``safety.*`` refusal, a declined request to act, a redirect of text
        with some harm (a request for another person's property records), or a refusal by an
        earlier rail (the topic rail runs last, so every other input rail has passed the text).
        """
        if not self._plain_off_topic(screened):
            return False
        return bool(hits) and (
            hits[0].semantic >= IN_CATALOGUE_SEMANTIC
            or (
                hits[0].coverage >= IN_CATALOGUE_COVERAGE
                and hits[0].matched >= IN_CATALOGUE_MATCHED
            )
        )

    @staticmethod
    def _plain_off_topic(screened: ScreenedQuery) -> bool:
        """The refusal is the topic rail's plain redirect of clearly harmless text."""
        refusal = screened.refusal
        return (
            refusal is not None
            and refusal.reason_code == OFF_TOPIC
            and refusal.rail == "topic"
            and refusal.harmless
        )

    def _dialogue_overrules(self, turn: Turn, screened: ScreenedQuery, intent: Intent) -> bool:
        """Whether the matter under discussion answers a follow-up the topic rail redirected.

        "得花多少钱" alone is about nothing in particular; after "驾驶证到期了换证" it asks
        that matter's fee (issue 8: follow-ups stay on the matter under discussion). Only the
        plain off-topic redirect of clearly harmless text (as :meth:`_catalogue_overrules`) is
        overruled, and only for a question that asks for an element (a cue or a requirement
        question) and names no matter at all (:func:`~assistant.follow_up.residue`,
        ``naming_share`` None) while a published matter is under discussion.
        """
        if not self._plain_off_topic(screened) or turn.session_id is None:
            return False
        code = self.sessions.get(turn.session_id).matter_code
        if code is None or self.retriever.matter(code) is None:
            return False
        if not intent.aspect_explicit:
            return False
        return self.retriever.naming_share(residue(screened.question_text), [code]) is None

    def _review_refusal(self, turn: Turn, screened: ScreenedQuery, hits: list[Hit]) -> None:
        """A refusal is a claim a person can check (issue 9): send it to review.

        The guard queues it when the refused (redacted) text also matched a matter strongly
        (``hits``: its search for the best matter, ``k=1``), or as a sample of all refusals.
        """
        strong = next((h.matter.code for h in hits if self._explains(h)), None)
        self.guard.record_refusal(
            question=screened, kiosk_id=turn.kiosk_id or "", matter_code=strong
        )

    async def _answer(self, turn: Turn, screened: ScreenedQuery, intent: Intent) -> TurnResult:
        if intent.kind is IntentKind.HELP:
            return self._system_reply(
                IntentKind.HELP,
                self.replies.help(),
                screened,
                actions=[KioskAction(action="call_help")],
                reason_code="help",
            )
        if intent.kind is IntentKind.CHITCHAT:
            return self._system_reply(IntentKind.CHITCHAT, self.replies.greeting(), screened)
        state = self.sessions.get(turn.session_id)
        if self._topicless(screened.question_text, intent) and state.matter_code is None:
            # "那要多久", "需要什么材料": the question names no matter; it is about the one
            # under discussion, never about whatever matter mentions 材料 or 多久.
            choices = [m for c in state.choices if (m := self.retriever.matter(c)) is not None]
            if choices:
                return self._clarify(
                    intent,
                    screened,
                    [Hit(matter=m, score=0.0) for m in choices],
                    session_id=turn.session_id,
                )
            return self._system_reply(
                intent.kind, self.replies.which_matter(), screened, reason_code="which_matter"
            )
        hits = self.retriever.search(screened.question_text, k=self.top_k)
        confident = [h for h in hits if self._explains(h)]
        topicless = self._topicless(screened.question_text, intent)
        matter = self._resolve(
            intent, state, confident, topicless=topicless, text=screened.question_text
        )
        same_name = self._same_name(confident)
        if same_name and (matter is None or matter.code == same_name[0].matter.code):
            return self._clarify(
                intent, screened, same_name, labelled=True, session_id=turn.session_id
            )
        if matter is None and len(confident) > 1:
            return self._clarify(intent, screened, confident, session_id=turn.session_id)
        if matter is None and not confident:
            suggestions = [h for h in hits if self._suggestible(h)]
            if suggestions:
                return self._clarify(
                    intent, screened, suggestions, found=False, session_id=turn.session_id
                )
        if matter is None:
            if intent.kind is IntentKind.FILL_FORM:
                return self._system_reply(intent.kind, self.replies.which_form(), screened)
            reply = self.replies.not_found() if hits else self.replies.out_of_scope()
            kind = IntentKind.ASK_MATTER if hits else IntentKind.OUT_OF_SCOPE
            return self._system_reply(kind, reply, screened, reason_code="not_found")
        aspect = intent.aspect
        if intent.follow_up and not intent.aspect_explicit and state.aspect is not None:
            aspect = state.aspect
        answer = await self._compose(screened.question_text, matter, aspect)
        flagged_input = any(v.decision is Decision.FLAG for v in screened.verdicts)
        if answer.flagged or flagged_input:
            self.guard.record_flag(
                question=screened,
                answer=answer,
                kiosk_id=turn.kiosk_id or "",
                matter_code=matter.code,
                aspect=aspect.value,
            )
        self.sessions.put(turn.session_id, DialogueState(matter_code=matter.code, aspect=aspect))
        routes = self._routes(matter, hits)
        actions = [KioskAction(action="show_route", params={"kiosk_route": matter.kiosk_route})]
        if intent.kind is IntentKind.GO_TO_MATTER and matter.kiosk_available:
            actions = [KioskAction(action="open_route", params={"kiosk_route": matter.kiosk_route})]
        if intent.kind is IntentKind.FILL_FORM:
            actions.append(KioskAction(action="read_id_card", params={"matter_code": matter.code}))
        return TurnResult(
            intent=intent.kind,
            aspect=aspect,
            answer=Answer(
                screen_text=answer.screen_text, spoken_text=answer.spoken_text, label=answer.label
            ),
            sources=answer.sources,
            routes=routes,
            follow_ups=[
                q
                for a, q in ASPECT_QUESTIONS.items()
                if a is not aspect and unpublished_element(matter, a) is None
            ][:3],
            actions=actions,
            verdicts=[*screened.verdicts, *answer.verdicts],
        )

    def _decline_acts(self, result: TurnResult, screened: ScreenedQuery) -> TurnResult:
        """Decline the requests to act tucked into the question (§9.4.1 e), in the same reply.

        The decline (with the official channel) comes first, then the answer to the rest of
        the question; when that rest found no matter, the reply is the decline alone, as a
        refusal with the act's reason.
        """
        declined = next(v for v in screened.verdicts if v.decision is Decision.DECLINE)
        message = declined.message_zh or self.replies.refused()
        reason = declined.reason_code
        if result.reason_code in ("not_found", None) and not result.sources and not result.routes:
            refusal = self._system_reply(
                IntentKind.OUT_OF_SCOPE, message, screened, refused=True, reason_code=reason
            )
            return refusal.model_copy(update={"declined": screened.declined})
        answer = result.answer.model_copy(
            update={
                "screen_text": f"{message}\n\n{result.answer.screen_text}",
                "spoken_text": f"{self.replies.spoken(message)}{result.answer.spoken_text}",
            }
        )
        return result.model_copy(
            update={"answer": answer, "declined": screened.declined,
                    "reason_code": result.reason_code or reason}
        )  # fmt: skip

    def _explains(self, hit: Hit) -> bool:
        """The hit explains enough of the question: a share of it, or several key syllables."""
        return (
            hit.coverage >= self.abstain_coverage
            or hit.matched >= self.abstain_matched
            or hit.semantic >= self.abstain_semantic
        )

    def _suggestible(self, hit: Hit) -> bool:
        """Too weak to answer, strong enough to offer as "did you mean" (a clarifying question)."""
        return (
            hit.score >= SUGGEST_SCORE
            and (hit.matched >= SUGGEST_MATCHED or hit.semantic >= SUGGEST_SEMANTIC)
        )

    def _topicless(self, text: str, intent: Intent) -> bool:
        """A follow-up that names no matter: only aspect cues and function words."""
        if not (intent.follow_up or intent.aspect_explicit):
            return False
        rest = FOLLOW_UP_LEAD.sub("", normalize(text))
        for cues in ASPECT_CUES.values():
            for cue in cues:
                rest = rest.replace(cue, " ")
        return len(self.retriever.content_chars(rest)) < TOPIC_MIN_CHARS

    @staticmethod
    def _same_name(confident: list[Hit]) -> list[Hit]:
        """The best hit and the others with its very name (other departments or levels)."""
        if len(confident) < 2:
            return []
        name = confident[0].matter.name
        group = [h for h in confident if h.matter.name == name]
        return group if len(group) > 1 else []

    def _resolve(
        self,
        intent: Intent,
        state: DialogueState,
        confident: list[Hit],
        *,
        topicless: bool,
        text: str,
    ) -> Matter | None:
        """Pick the matter: the session's for a follow-up, else a clear winner, else None.

        With a matter under discussion, a turn stays on it unless it names another matter
        of its own (:func:`~assistant.follow_up.names_another_matter`): "要带出生证明吗" or
        "能在自助机上办吗" stay, "那护照怎么办" moves on.
        """
        remembered = (
            self.retriever.matter(state.matter_code) if state.matter_code is not None else None
        )
        if remembered is not None and (
            topicless
            or not confident
            or intent.kind is IntentKind.FILL_FORM and intent.follow_up
            or not names_another_matter(self.retriever, text, remembered, confident[0])
        ):
            return remembered
        if not confident:
            return None
        best = confident[0]
        if len(confident) == 1 or best.score - confident[1].score >= self.clarify_margin:
            return best.matter
        return None

    async def _compose(self, question: str, matter: Matter, aspect: Aspect) -> GuardedAnswer:
        fallback = self.extractive.compose_now(matter, aspect)
        correction = self.guard.approved_correction(matter.code, aspect.value)
        if correction is not None:
            draft = Draft(
                screen_text=correction,
                spoken_text=correction,
                sources=fallback.sources,
                composer="review",
            )
        else:
            draft = await self.composer.compose(question, matter, aspect)
        return self.guard.check(draft, [grounding_text(matter)], fallback)

    def _routes(self, matter: Matter, hits: list[Hit]) -> list[Route]:
        ordered = [matter, *(h.matter for h in hits if h.matter.code != matter.code)]
        scores = {h.matter.code: h.score for h in hits}
        return [_route(m, scores.get(m.code, 1.0)) for m in ordered[: self.top_k]]

    def _clarify(
        self,
        intent: Intent,
        screened: ScreenedQuery,
        hits: list[Hit],
        *,
        found: bool = True,
        labelled: bool = False,
        session_id: str | None = None,
    ) -> TurnResult:
        """Offer the first choices; same-name matters are told apart by department and level."""
        choices = hits[:CLARIFY_CHOICES] if labelled else hits[:3]
        same = len({h.matter.name for h in choices}) < len(choices)
        labels = choice_labels([h.matter for h in choices])
        names = [
            label if labelled or same else h.matter.name
            for h, label in zip(choices, labels, strict=True)
        ]
        text = self.replies.clarify(names) if found else self.replies.did_you_mean(names)
        result = self._system_reply(intent.kind, text, screened, reason_code="clarify")
        if session_id is not None:
            self.sessions.put(
                session_id,
                DialogueState(aspect=intent.aspect, choices=tuple(h.matter.code for h in choices)),
            )
        return result.model_copy(
            update={
                "aspect": intent.aspect,
                "routes": [_route(h.matter, h.score) for h in choices],
                "follow_ups": [h.matter.name for h in choices],
            }
        )

    def _system_reply(
        self,
        kind: IntentKind,
        text: str,
        screened: ScreenedQuery,
        *,
        refused: bool = False,
        reason_code: str | None = None,
        actions: list[KioskAction] | None = None,
    ) -> TurnResult:
        draft = Draft(screen_text=text, spoken_text=self.replies.spoken(text), composer="system")
        answer = self.guard.check(draft, [text], None)
        return TurnResult(
            intent=kind,
            refused=refused,
            reason_code=reason_code,
            answer=Answer(
                screen_text=answer.screen_text, spoken_text=answer.spoken_text, label=answer.label
            ),
            actions=actions or [],
            verdicts=[*screened.verdicts, *answer.verdicts],
        )
