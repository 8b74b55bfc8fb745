"""Follow-ups: requirement questions, the residue that could name a matter, the switch test.

Lexical channels only (no embedder), over the sample matters, as the unit retrieval tests.
"""

from __future__ import annotations

import pytest

from assistant.follow_up import names_another_matter, residue
from assistant.intent import IntentClassifier, requirement
from knowledge.models import Aspect, Hit
from knowledge.retrieve import HybridRetriever
from knowledge.text import normalize
from tests.factories import sample_matters


@pytest.fixture(scope="module")
def retriever() -> HybridRetriever:
    r = HybridRetriever()
    r.rebuild(sample_matters())
    return r


@pytest.mark.parametrize(
    ("text", "topic", "thing", "brings"),
    [
        ("要带出生证明吗", "", "出生证明", True),
        ("户口本要带吗", "", "户口本", True),
        ("双方都要带身份证吗？", "双方都", "身份证", True),
        ("需要预防接种证吗", "", "预防接种证", False),
        ("要不要带照片", "", "照片", True),
        ("要先上户口吗", "", "上户口", False),
        ("那办护照要带身份证吗", "那办护照", "身份证", True),
    ],
)
def test_requirement_questions_are_split(text, topic, thing, brings):
    assert requirement(normalize(text)) == (topic, thing, brings)


@pytest.mark.parametrize(
    "text",
    ["要带什么材料", "需要办居住证吗", "公积金退休了能取出来吗", "办下来得几天啊", "护照怎么办"],
)
def test_wh_questions_and_matter_questions_are_not_requirement_questions(text):
    assert requirement(normalize(text)) is None


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("要带出生证明吗", Aspect.MATERIALS),
        ("户口本要带吗", Aspect.MATERIALS),
        ("要交钱不", Aspect.FEE),  # a cue names the element first
        ("需要办居住证吗", Aspect.OVERVIEW),
        ("租房合同要备案吗", Aspect.OVERVIEW),  # a topic and no verb of bringing
    ],
)
def test_a_requirement_question_asks_for_materials(text, aspect):
    assert IntentClassifier().classify(text).aspect is aspect


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("那要多久", ""),
        ("户口本要带吗", ""),
        ("要带出生证明吗", ""),
        ("那办护照要带身份证吗", "办护照"),
        ("那养犬登记收费吗", "养犬登记"),
    ],
)
def test_residue_keeps_only_what_could_name_a_matter(retriever, text, rest):
    assert retriever.content_chars(residue(text)) == rest


def test_naming_share_reads_names_not_stray_words(retriever):
    shares = retriever.naming_share("护照", ["CRJ-0001", "HJ-0004", "NO-SUCH"])
    assert shares is not None
    passport, id_card, unknown = shares
    assert passport == 1.0 and id_card == 0.0 and unknown == 0.0
    assert retriever.naming_share("", ["CRJ-0001"]) is None
    assert retriever.naming_share("得花", ["CRJ-0001"]) is None  # no matter is named so


def test_naming_share_reads_english_names(retriever):
    shares = retriever.naming_share("passport", ["CRJ-0001", "HJ-0004"])
    assert shares is not None and shares[0] > shares[1]


def _best(retriever: HybridRetriever, text: str) -> Hit:
    return retriever.search(text, k=1)[0]


@pytest.mark.parametrize(
    ("current", "text"),
    [
        ("HJ-0002", "要带出生证明吗"),  # a document of 出生登记, though also a matter's name
        ("HJ-0004", "户口本要带吗"),
        ("SB-0005", "补办要多久"),  # an action many matters share
        ("HY-0001", "能在自助机上办吗"),
        ("JYU-0005", "需要预防接种证吗"),
    ],
)
def test_elaborations_do_not_name_another_matter(retriever, current, text):
    matter = retriever.matter(current)
    assert matter is not None
    assert not names_another_matter(retriever, text, matter, _best(retriever, text))


@pytest.mark.parametrize(
    ("current", "text", "other"),
    [
        ("HJ-0004", "那护照怎么办", {"CRJ-0001", "CRJ-0004"}),
        ("HJ-0005", "我还想问一下结婚登记", {"HY-0001"}),
        ("GJJ-0001", "那驾驶证到期换证要多久", {"CJG-0001"}),
        ("HJ-0005", "另外我想问养犬登记", {"GA-0001"}),
        ("HJ-0002", "那出生医学证明丢了补办要多久", {"WJ-0001"}),
    ],
)
def test_a_new_matter_named_in_a_follow_up_moves_the_dialogue(retriever, current, text, other):
    matter = retriever.matter(current)
    assert matter is not None
    best = _best(retriever, text)
    assert best.matter.code in other
    assert names_another_matter(retriever, text, matter, best)


def test_no_hit_or_the_current_matter_itself_never_moves(retriever):
    matter = retriever.matter("HJ-0005")
    assert matter is not None
    assert not names_another_matter(retriever, "居住证要多久", matter, None)
    assert not names_another_matter(
        retriever, "居住证要多久", matter, Hit(matter=matter, score=1.0)
    )


class _MeaningOnly:
    """A retriever whose words name nothing; only the semantic channel tells matters apart."""

    def __init__(self, current_match: float | None) -> None:
        self.current_match = current_match

    def naming_share(self, text: str, codes: list[str]) -> None:
        return None

    def semantic_matches(self, text: str, codes: list[str]) -> list[float] | None:
        return None if self.current_match is None else [self.current_match]


@pytest.mark.parametrize(
    ("current_match", "moves"),
    [(0.05, True), (0.5, False), (None, False)],  # None: the semantic channel is off
)
def test_a_need_described_without_words_moves_by_meaning(retriever, current_match, moves):
    current, other = retriever.matter("HJ-0004"), retriever.matter("SDQ-0007")
    assert current is not None and other is not None
    best = Hit(matter=other, score=0.6, semantic=0.97)
    fake = _MeaningOnly(current_match)
    assert names_another_matter(fake, "厂里的供电带不动了要增容", current, best) is moves  # type: ignore[arg-type]
    weak = best.model_copy(update={"semantic": 0.8})
    assert not names_another_matter(fake, "厂里的供电带不动了要增容", current, weak)  # type: ignore[arg-type]
