import pytest
from pydantic import ValidationError

from tests.factories import make_content, sample_contents


def test_sample_knowledge_base_is_complete_on_the_6_2_elements():
    contents = sample_contents()
    assert len(contents) >= 80
    codes = [c.code for c in contents]
    assert len(set(codes)) == len(codes)
    for c in contents:
        assert c.source == "sample"
        assert c.name and c.type and c.service_objects and c.conditions
        assert c.process and c.materials and c.result and c.result.name
        limit = c.time_limit
        assert (limit.legal_working_days is not None
                or limit.promised_working_days is not None or limit.notes)
        assert c.colloquial_names, c.code


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"code": "bad code"}, "code"),
        ({"conditions": [" "]}, "conditions"),
        ({"fees": [{"item": "工本费", "amount_yuan": 5}], "unpublished": ["fee"]}, ""),
        ({"result": {"name": ""}}, "result"),
        ({"consultation_phone": "call me"}, "consultation_phone"),
        ({"kiosk_route": "http://x"}, "kiosk_route"),
        ({"time_limit": {"legal_working_days": 5, "promised_working_days": 10}}, "time_limit"),
        ({"kiosk_available": True, "channels": ["window"]}, ""),
        ({"aliases": ["  "]}, "aliases"),
    ],
)
def test_invalid_content_is_rejected_naming_the_field(override, field):
    with pytest.raises(ValidationError) as info:
        make_content(**override)
    locations = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locations)


def test_names_lists_every_name_in_order():
    content = make_content(aliases=["别名"], colloquial_names=["俗称"])
    assert content.names == ["测试事项办理", "别名", "俗称"]
