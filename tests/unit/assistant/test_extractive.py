import pytest

from assistant.generate.extractive import SECTION_NAMES, ExtractiveComposer
from knowledge.models import Aspect
from tests.factories import published, sample_contents


@pytest.fixture(scope="module")
def id_card():
    return published(next(c for c in sample_contents() if c.code == "HJ-0004"))


@pytest.mark.parametrize("aspect", list(Aspect))
def test_every_aspect_cites_the_matter_and_gives_the_phone(id_card, aspect):
    draft = ExtractiveComposer().compose_now(id_card, aspect)
    assert draft.sources[0].matter_code == "HJ-0004"
    assert draft.sources[0].section == SECTION_NAMES[aspect]
    assert id_card.consultation_phone in draft.screen_text
    assert not any(ch.isdigit() for ch in draft.spoken_text)


def test_materials_answer_lists_the_matters_materials(id_card):
    draft = ExtractiveComposer().compose_now(id_card, Aspect.MATERIALS)
    for material in id_card.materials:
        assert material.name in draft.screen_text


def test_time_limit_answer_uses_working_days(id_card):
    draft = ExtractiveComposer().compose_now(id_card, Aspect.TIME_LIMIT)
    assert f"{id_card.time_limit.legal_working_days}个工作日" in draft.screen_text


def test_free_matter_says_free():
    matter = published(next(c for c in sample_contents() if not c.fees))
    assert "不收费" in ExtractiveComposer().compose_now(matter, Aspect.FEE).screen_text
