import json

import pytest

from knowledge.errors import ImportFormatError, ImportValidationError
from knowledge.importers import dump_matters, parse_matters
from tests.factories import make_content, published


def _json(items):
    return json.dumps(items, ensure_ascii=False)


def test_valid_json_and_yaml_parse():
    item = make_content().model_dump(mode="json")
    assert parse_matters(_json([item]), "json")[0].code == "TS-0001"
    yaml_text = dump_matters([published(make_content())], "yaml")
    assert parse_matters(yaml_text, "yaml")[0].name == "测试事项办理"


def test_bad_file_lists_every_error_by_matter_and_field():
    good = make_content("TS-0001").model_dump(mode="json")
    bad1 = {**make_content("TS-0002").model_dump(mode="json"), "conditions": [" "]}
    bad2 = {**make_content("TS-0003").model_dump(mode="json"), "consultation_phone": "x"}
    with pytest.raises(ImportValidationError) as info:
        parse_matters(_json([good, bad1, bad2]), "json")
    errors = [(e.index, e.code, e.field) for e in info.value.errors]
    assert (1, "TS-0002", "conditions") in errors
    assert (2, "TS-0003", "consultation_phone") in errors
    assert info.value.code == "knowledge.invalid_import"


def test_duplicate_codes_are_rejected():
    item = make_content().model_dump(mode="json")
    with pytest.raises(ImportValidationError) as info:
        parse_matters(_json([item, item]), "json")
    assert info.value.errors[0].field == "code"


@pytest.mark.parametrize(("text", "fmt"),
                         [("{not json", "json"), ("[]", "json"), ("a: [b", "yaml")])
def test_unreadable_files_are_format_errors(text, fmt):
    with pytest.raises(ImportFormatError):
        parse_matters(text, fmt)


def test_export_round_trips_with_bookkeeping_ignored():
    matter = published(make_content(), version=3)
    text = dump_matters([matter], "json")
    assert json.loads(text)[0]["version"] == 3
    assert parse_matters(text, "json")[0] == make_content()
