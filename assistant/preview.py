"""Preview: what the kiosk would answer about a draft, before anyone publishes it.

The real pipeline (input guard, intent, retrieval, composer, output guard, label) runs on a
throw-away retriever that indexes the published catalogue with the draft in place of its
published version; one question per aspect ("<name>需要带什么材料？", …). Nothing is
recorded: no dialogue state is kept beyond the preview, no flagged turn reaches the review
queue, no statistics are counted. The preview index uses the lexical channels (the semantic
channel would re-embed the whole catalogue per preview); say so on the page.

Usage example::

    previews = await preview_matter(runtime.pipeline, runtime.store.published(), draft)
    previews[0].screen_text
"""

from __future__ import annotations

import itertools
import time
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from assistant.deps import RuntimeDep
from assistant.dialogue import SessionStore
from assistant.models import Turn
from assistant.pipeline import ASPECT_QUESTIONS, Guard, Pipeline
from guardrails.api import get_principal
from guardrails.models import Draft, GuardedAnswer, Principal, ScreenedQuery
from knowledge.editor.workflow import READING_ROLES, require
from knowledge.models import Aspect, Matter
from knowledge.retrieve import HybridRetriever

_PREVIEW_SERIAL = itertools.count(int(time.time() * 1000))
"""Source of the preview versions (see :func:`preview_matter`)."""

PREVIEW_ASPECTS: tuple[Aspect, ...] = (Aspect.OVERVIEW, *ASPECT_QUESTIONS)
"""The aspects previewed: the overview, then each aspect the kiosk offers as a follow-up."""


class AspectPreview(BaseModel):
    """What the kiosk would show and say for one aspect of the draft."""

    model_config = ConfigDict(frozen=True)

    aspect: Aspect
    question: str = Field(description="The question asked")
    screen_text: str
    spoken_text: str
    label: str
    routed_to_draft: bool = Field(description="The answer is about this matter")
    top_route: str | None = Field(description="Code of the first one-click route, if any")
    refused: bool
    reason_code: str | None
    flagged: list[str] = Field(description="Rails that would send the answer to review")


class _NoRecordGuard:
    """The app's guard, except that preview turns are never queued for review.

    Neither flags nor sampled refusals: a preview is the editor's turn, not a citizen's.
    """

    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    def screen(self, text: str) -> ScreenedQuery:
        return self._guard.screen(text)

    def check(
        self, draft: Draft, grounding_texts: list[str], fallback: Draft | None
    ) -> GuardedAnswer:
        return self._guard.check(draft, grounding_texts, fallback)

    def approved_correction(self, matter_code: str, aspect: str) -> str | None:
        return self._guard.approved_correction(matter_code, aspect)

    def record_flag(self, **_kwargs: object) -> None:
        return None

    def record_refusal(self, **_kwargs: object) -> None:
        return None


def question_for(matter: Matter, aspect: Aspect) -> str:
    """The preview question of ``aspect``: the matter's name plus the aspect's question."""
    if aspect is Aspect.OVERVIEW:
        return f"{matter.name}怎么办理？"
    return f"{matter.name}{ASPECT_QUESTIONS[aspect]}"


async def preview_matter(
    pipeline: Pipeline, published: list[Matter], draft: Matter
) -> list[AspectPreview]:
    """Run the pipeline on the draft for every aspect of :data:`PREVIEW_ASPECTS`.

    Args:
        pipeline: the app's pipeline (its guard, composer and thresholds are reused).
        published: the published catalogue.
        draft: the matter as drafted (any status).
    """
    # Composers cache answers by (code, version, aspect): the previewed matter carries a
    # version no stored matter has (negative, unique per preview), so a cached published
    # answer is never shown as the draft's, and the draft's answer is never cached under a
    # version citizens are served.
    draft = draft.model_copy(update={"version": -next(_PREVIEW_SERIAL)})
    catalogue = [m for m in published if m.code != draft.code]
    catalogue.append(draft)
    retriever = HybridRetriever()
    retriever.rebuild(sorted(catalogue, key=lambda m: m.code))
    trial = Pipeline(
        guard=_NoRecordGuard(pipeline.guard),
        retriever=retriever,
        sessions=SessionStore(ttl_s=60, max_sessions=len(PREVIEW_ASPECTS)),
        replies=pipeline.replies,
        composer=pipeline.composer,
        top_k=pipeline.top_k,
        abstain_coverage=pipeline.abstain_coverage,
        clarify_margin=pipeline.clarify_margin,
        abstain_matched=pipeline.abstain_matched,
    )
    previews: list[AspectPreview] = []
    for aspect in PREVIEW_ASPECTS:
        question = question_for(draft, aspect)
        result = await trial.run(Turn(question=question[:500]))
        codes = [s.matter_code for s in result.sources]
        previews.append(
            AspectPreview(
                aspect=aspect,
                question=question,
                screen_text=result.answer.screen_text,
                spoken_text=result.answer.spoken_text,
                label=result.answer.label,
                routed_to_draft=draft.code in codes[:1],
                top_route=result.routes[0].matter_code if result.routes else None,
                refused=result.refused,
                reason_code=result.reason_code,
                flagged=sorted(
                    {v.rail for v in result.verdicts if v.decision.value == "flag"}
                ),
            )
        )
    return previews


router = APIRouter(prefix="/v1", tags=["editor"])


@router.post("/matters/{code}/preview", response_model=list[AspectPreview])
async def preview(
    code: str, who: Annotated[Principal, Depends(get_principal)], runtime: RuntimeDep
) -> list[AspectPreview]:
    """What the kiosk would answer about the draft of ``code``, aspect by aspect.

    Raises:
        ForbiddenRoleError: a reviewer (403).
        MatterNotFoundError: no such matter (404).
    """
    require(who, READING_ROLES)
    draft = runtime.store.get(code)
    return await preview_matter(runtime.pipeline, runtime.retriever.matters(), draft)
