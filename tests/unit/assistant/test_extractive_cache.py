"""The extractive composer caches each answer per matter version and aspect."""

from __future__ import annotations

from assistant.generate.extractive import ExtractiveComposer
from knowledge.models import Aspect
from tests.factories import make_content, published


def test_same_version_and_aspect_reuse_the_answer():
    composer = ExtractiveComposer("12345")
    matter = published(make_content("TS-0001"))
    first = composer.compose_now(matter, Aspect.MATERIALS)
    assert composer.compose_now(matter, Aspect.MATERIALS) is first
    assert composer.compose_now(matter, Aspect.TIME_LIMIT) is not first


def test_a_new_published_version_is_composed_afresh():
    composer = ExtractiveComposer("12345")
    old = published(make_content("TS-0001", materials=[{"name": "居民身份证"}]), version=1)
    new = published(make_content("TS-0001", materials=[{"name": "居民户口簿"}]), version=2)
    assert "居民身份证" in composer.compose_now(old, Aspect.MATERIALS).screen_text
    assert "居民户口簿" in composer.compose_now(new, Aspect.MATERIALS).screen_text


def test_the_cache_is_bounded():
    composer = ExtractiveComposer("12345", cache_size=2)
    for number in range(5):
        composer.compose_now(published(make_content(f"TS-000{number}")), Aspect.OVERVIEW)
    assert len(composer._cache) == 2  # noqa: SLF001 - the bound is the behaviour under test
