"""Is a follow-up about the matter under discussion, or does it name another matter?

Issue 8 ("Follow-ups stay on the matter under discussion") and GB/T 47483 §7.6 d (边问边办:
the dialogue keeps its matter): after "孩子出生了怎么上户口", the follow-ups "那要多久", "要带
出生证明吗", "能在自助机上办吗" and "补办要多久" are about 出生登记, although 出生证明, 自助机 or
补办 alone would retrieve other matters; "那护照怎么办" or "那离婚登记收费吗" move on.

The test is whether the turn *names a matter of its own*, read from what the index knows of
the turn's words, not from a list of phrasings:

1. The part that could name a matter — the *residue* — is the turn without its opening
   words ("那", "还有"), without the words that ask for an element (:data:`ASPECT_CUES`:
   "多久", "自助机", "材料"…) and, in a yes/no requirement question ("户口本要带吗",
   "需要预防接种证吗", :func:`~assistant.intent.requirement`), without the thing asked to be
   required: that thing is an argument of the question about the current matter.
2. The retriever says how much of what the residue could name each matter's own names and
   life situations name (:meth:`~knowledge.retrieve.HybridRetriever.naming_share`; syllable
   pairs that name no matter at all, like "得花" or "下来办", are left out).
3. The turn names another matter when the retriever's best matter for the whole turn is a
   confident one (score ≥ :data:`SWITCH_SCORE`), names most of the residue
   (≥ :data:`SWITCH_NAMING`), and names clearly more of it than the current matter does
   (by :data:`SWITCH_MARGIN`): a distinct matter wins, and a citizen is never held on the
   old topic when they name a new one; an action shared by many matters ("补办") or a
   document the current matter also names does not move the dialogue.
4. With the semantic channel on, a turn that describes another need without any matter's
   words moves too, when e5 matches it to the best matter strongly and to the current one
   hardly at all (:data:`SWITCH_SEMANTIC`, :data:`STAY_SEMANTIC`).

Thresholds were set on ``evals/data/follow_ups_tune.jsonl`` (``daoban eval follow-ups``);
the held-out half was measured once at the end.
"""

from __future__ import annotations

import re

from assistant.intent import ASPECT_CUES, requirement
from knowledge.models import Hit, Matter
from knowledge.retrieve import HybridRetriever
from knowledge.text import normalize

FOLLOW_UP_LEAD = re.compile(r"^(那么|那|还有|另外|然后|then |and )")
"""Words that open a follow-up question ("那要多久")."""

SWITCH_SCORE = 0.7
"""Final retrieval score (``Hit.score``, [0, 1]) from which the best matter for the turn
alone is strong enough to take the dialogue to another matter."""

SWITCH_NAMING = 0.5
"""Share of the residue's naming syllable pairs the other matter's names must hold."""

SWITCH_MARGIN = 0.3
"""By how much more of the residue the other matter must name than the current one."""

SWITCH_SEMANTIC = 0.9
STAY_SEMANTIC = 0.2
"""With the semantic channel on, a turn also moves to the best matter when its calibrated
semantic match (``Hit.semantic``, [0, 1]) to it is at least SWITCH_SEMANTIC and to the
current matter at most STAY_SEMANTIC: a need described without any matter's words. On the
tune dialogues no elaboration comes near (the lowest current-matter match of one whose best
other matter reaches 0.9 is 0.44)."""


def residue(text: str) -> str:
    """The part of a (normalized) follow-up that could name a matter.

    Opening words, element cues and, in a yes/no requirement question, the thing asked
    about are removed: ``"那要多久"`` → ``""``, ``"户口本要带吗"`` → ``""``, ``"那办护照要带
    身份证吗"`` → ``"办护照"``, ``"那离婚登记收费吗"`` → ``"离婚登记吗"``.
    """
    rest = FOLLOW_UP_LEAD.sub("", normalize(text))
    asked = requirement(rest)
    if asked is not None:
        rest = asked.topic
    for cues in ASPECT_CUES.values():
        for cue in cues:
            rest = rest.replace(cue, " ")
    return rest.strip()


def names_another_matter(
    retriever: HybridRetriever, text: str, current: Matter, best: Hit | None
) -> bool:
    """Whether ``text`` names a matter other than ``current`` on its own (module doc).

    Args:
        retriever: the index the turn was searched in.
        text: the (redacted) follow-up.
        current: the matter under discussion.
        best: the retriever's best confident hit for ``text`` alone, if any.

    Returns:
        True when the dialogue should move to ``best.matter``; False when the turn is about
        ``current`` (an element, a document, an action of it, or nothing nameable).
    """
    if best is None or best.matter.code == current.code:
        return False
    if best.score >= SWITCH_SCORE:
        shares = retriever.naming_share(residue(text), [best.matter.code, current.code])
        if shares is not None:
            other, own = shares
            if other >= SWITCH_NAMING and other - own >= SWITCH_MARGIN:
                return True
    if best.semantic < SWITCH_SEMANTIC:
        return False
    # A need described without the matter's words ("厂里的供电带不动了要增容"): by meaning.
    matches = retriever.semantic_matches(text, [current.code])
    return matches is not None and matches[0] <= STAY_SEMANTIC
