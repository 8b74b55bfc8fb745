"""Elderly mode and English mode: what ``/v1/ask`` returns differently (GB/T 47483 §7.4).

Both run on the finished, guarded turn (:class:`~assistant.models.TurnResult`), so every rail
has already passed; they only cut or add text built from the matter's own fields, never new
facts.

**Elderly mode** (敬老模式, §7.4: big text, essentials, 3–5 steps, slow clear voice):
the screen text keeps its first sentences up to :data:`ELDERLY_MAX_CHARS` (at least one) plus
the consultation phone and the label; the spoken text is that shortened text read for the ear;
``answer.pace`` is ``elderly`` so the voice speaks slower; at most :data:`ELDERLY_MAX_CHOICES`
routes and follow-ups remain (fewer choices, fewer steps).

**English mode** (§7.4 Chinese/English interface): matters have an English name but their
guides are in Chinese. The answer starts with English built from the matter's structured
fields (English name, time limits, fee or free of charge, kiosk availability, phones), then
says plainly that the detailed guide is in Chinese only and shows the Chinese answer below —
never a silent switch of language. Fixed replies (help, greeting, not found, out of scope,
refusal, clarification) are in English, with the Chinese original kept for refusals. Follow-up
suggestions are English questions the intent classifier understands.

Example:
    >>> adapted = adapt_to_mode(result, turn, matter_lookup)
    >>> adapted.answer.pace
    'elderly'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.models import Answer, IntentKind, Turn, TurnResult
from assistant.spoken import to_spoken
from guardrails.models import AI_LABEL
from knowledge.models import Aspect, GuideElement, Matter

ELDERLY_MAX_CHARS = 60
"""Screen text kept in elderly mode before the phone and the label (characters)."""

ELDERLY_MAX_CHOICES = 3
"""Routes and follow-ups offered in elderly mode."""

AI_LABEL_EN = "AI-generated, for reference only"
"""The English gloss shown next to the label (the label itself stays "AI生成，仅供参考")."""

CHINESE_ONLY_NOTE = (
    "The detailed guide for this matter (conditions, materials, process) is available in "
    "Chinese only. The Chinese answer is shown below; staff at the service hall window or "
    "the 12345 hotline can help in person."
)
"""Said whenever English mode shows Chinese content."""

ENGLISH_FOLLOW_UPS: dict[Aspect, str] = {
    Aspect.MATERIALS: "What documents do I need to bring?",
    Aspect.TIME_LIMIT: "How long does it take?",
    Aspect.PLACE: "Where do I go?",
    Aspect.FEE: "How much does it cost?",
    Aspect.CONDITIONS: "Who can apply?",
    Aspect.CHANNELS: "Can I do it at this kiosk?",
}
"""English follow-ups; each holds a cue of :data:`assistant.intent.ASPECT_CUES`."""

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_PHONE_LINE = re.compile(r"(咨询|投诉)电话")

MatterLookup = Callable[[str], Matter | None]
"""Matter code → the published matter, or None."""


def _split_label(text: str) -> str:
    """``text`` without the trailing AI label (the guard appends it)."""
    return text.replace(AI_LABEL, "").rstrip()


def essentials(screen_text: str, max_chars: int = ELDERLY_MAX_CHARS) -> str:
    """The first sentences of ``screen_text`` up to ``max_chars`` (at least one).

    Then every phone sentence, then the AI label: the text's own words only, in order.
    """
    body = _split_label(screen_text)
    sentences = [s.strip() for s in _SENTENCE.findall(body) if s.strip()]
    kept: list[str] = []
    used = 0
    for sentence in sentences:
        if _PHONE_LINE.search(sentence):
            continue
        if kept and used + len(sentence) > max_chars:
            break
        kept.append(sentence)
        used += len(sentence)
    kept += [s for s in sentences if _PHONE_LINE.search(s)]
    return "\n".join(kept) + f"\n\n{AI_LABEL}"


def for_elderly(result: TurnResult) -> TurnResult:
    """Cut ``result`` to the essentials for elderly mode (see the module docstring)."""
    screen = essentials(result.answer.screen_text)
    return result.model_copy(update={
        "answer": result.answer.model_copy(update={
            "screen_text": screen, "spoken_text": to_spoken(screen), "pace": "elderly"}),
        "routes": result.routes[:ELDERLY_MAX_CHOICES],
        "follow_ups": result.follow_ups[:ELDERLY_MAX_CHOICES],
    })


def _days(days: int) -> str:
    if days == 0:
        return "on the spot"
    return f"{days} working day{'s' if days != 1 else ''}"


def matter_summary(matter: Matter) -> str:
    """English sentences from the matter's structured fields (no translation of free text)."""
    name = matter.english_name or f"This matter ({matter.name})"
    parts = [f"{name}."]
    limit = matter.time_limit
    if limit.promised_working_days is not None:
        legal = (f" (legal limit {_days(limit.legal_working_days)})"
                 if limit.legal_working_days is not None else "")
        parts.append(f"Promised time limit: {_days(limit.promised_working_days)}{legal}.")
    elif limit.legal_working_days is not None:
        parts.append(f"Legal time limit: {_days(limit.legal_working_days)}.")
    if GuideElement.FEE not in matter.unpublished:
        parts.append("Fee: free of charge." if not matter.fees
                     else "Fee: charged (see the Chinese answer for the amounts).")
    parts.append("It can be done at this kiosk." if matter.kiosk_available
                 else "It cannot be completed at this kiosk; please go to the service hall.")
    if matter.consultation_phone:
        parts.append(f"Consultation phone: {matter.consultation_phone}.")
    if matter.complaint_phone:
        parts.append(f"Complaints: {matter.complaint_phone}.")
    return " ".join(parts)


class EnglishReplies:
    """The fixed replies of :class:`assistant.replies.Replies`, in English."""

    def __init__(self, hotline: str = "12345") -> None:
        """Use ``hotline`` wherever a reply points to the government service hotline."""
        self.hotline = hotline

    def help(self) -> str:
        """一键求助: the human help channel."""
        return ("Staff have been called and will come to this kiosk shortly. You can also ask "
                f"at the service hall's information window or call the {self.hotline} "
                "government service hotline.")

    def greeting(self) -> str:
        """Answer to a greeting."""
        return ("Hello, I am the government service guide. Tell me what you need to do, for "
                "example \"apply for a passport\" or \"lost my ID card\", and I will tell you "
                "what to bring and where to go.")

    def not_found(self) -> str:
        """No matter matched well enough."""
        return ("Sorry, I could not find a service matching your question. Please try other "
                f"words, ask at the service hall window, or call the {self.hotline} hotline.")

    def out_of_scope(self) -> str:
        """Not about government services."""
        return ("I can only answer questions about government services, such as which "
                f"documents to bring, where to go and how long it takes. For anything else, "
                f"please call the {self.hotline} hotline.")

    def refused(self) -> str:
        """A rail refused the question."""
        return ("Sorry, I cannot answer this question here. Please ask at the service hall "
                f"window or call the {self.hotline} hotline.")

    def clarify(self, names: list[str]) -> str:
        """Which of ``names`` is meant."""
        options = "; ".join(f"{i}. {n}" for i, n in enumerate(names, start=1))
        return f"Which of these do you mean? {options}. Please tap one."

    def which_matter(self) -> str:
        """A follow-up with no matter under discussion."""
        return ("Which matter are you asking about? Please name it, for example \"passport\" "
                "or \"residence permit\".")

    def which_form(self) -> str:
        """Asked to fill a form before naming a matter."""
        return ("Please tell me which matter you want to apply for first; then I can pre-fill "
                "the form from your ID card.")


def _english_reply(result: TurnResult, replies: EnglishReplies) -> str | None:
    """English text of a fixed reply, or None when ``result`` answers about a matter."""
    if result.refused:
        return replies.refused()
    if result.intent is IntentKind.HELP:
        return replies.help()
    if result.intent is IntentKind.CHITCHAT:
        return replies.greeting()
    if result.reason_code == "clarify":
        return replies.clarify([r.english_name or r.matter_name for r in result.routes])
    if result.reason_code == "which_matter":
        return replies.which_matter()
    if result.reason_code == "not_found":
        return (replies.out_of_scope() if result.intent is IntentKind.OUT_OF_SCOPE
                else replies.not_found())
    if not result.sources:
        return replies.which_form() if result.intent is IntentKind.FILL_FORM else None
    return None


def for_english(result: TurnResult, matter: MatterLookup, hotline: str = "12345") -> TurnResult:
    """English mode of ``result`` (see the module docstring)."""
    replies = EnglishReplies(hotline)
    fixed = _english_reply(result, replies)
    chinese = _split_label(result.answer.screen_text)
    if fixed is not None:
        keep_chinese = result.refused
        screen = fixed + (f"\n\n（中文）{chinese}" if keep_chinese else "")
        note = None
        spoken = fixed
    else:
        found = matter(result.sources[0].matter_code)
        summary = matter_summary(found) if found is not None else ""
        screen = f"{summary}\n{CHINESE_ONLY_NOTE}\n\n{chinese}".strip()
        note = CHINESE_ONLY_NOTE
        spoken = f"{summary} {CHINESE_ONLY_NOTE}".strip()
    follow_ups = result.follow_ups
    if result.sources and result.reason_code != "clarify":
        asked = result.aspect
        follow_ups = [q for a, q in ENGLISH_FOLLOW_UPS.items() if a is not asked][:3]
    elif result.reason_code == "clarify":
        follow_ups = [r.english_name or r.matter_name for r in result.routes]
    answer: Answer = result.answer.model_copy(update={
        "screen_text": f"{screen}\n\n{AI_LABEL}（{AI_LABEL_EN}）", "spoken_text": spoken,
        "lang": "en", "language_note": note})
    return result.model_copy(update={"answer": answer, "follow_ups": follow_ups})


def adapt_to_mode(result: TurnResult, turn: Turn, matter: MatterLookup,
                  hotline: str = "12345") -> TurnResult:
    """Apply English mode, then elderly mode, as ``turn`` asks; unchanged otherwise."""
    if turn.lang == "en":
        result = for_english(result, matter, hotline)
    if turn.elderly:
        result = for_elderly(result) if turn.lang != "en" else result.model_copy(update={
            "answer": result.answer.model_copy(update={"pace": "elderly"}),
            "routes": result.routes[:ELDERLY_MAX_CHOICES],
            "follow_ups": result.follow_ups[:ELDERLY_MAX_CHOICES]})
    return result
