"""Same-name matters of one department offered as choices never read the same."""

from __future__ import annotations

from assistant.pipeline import choice_labels
from tests.factories import make_content, published


def test_sub_items_tell_apart_matters_of_one_name_department_and_level() -> None:
    base = {"name": "保安员证核发", "department": "广州市公安局"}
    first = published(make_content("GD-1", **base, aliases=["保安员证", "初次申领保安员证"]))
    lost = published(make_content("GD-2", **base, aliases=["保安员证", "遗失补发保安员证"]))
    other = published(make_content("GD-3", name="居住证申领", department="广州市公安局"))
    labels = choice_labels([first, lost, other])
    assert len(set(labels)) == 3
    assert "初次申领保安员证" in labels[0] and "遗失补发保安员证" in labels[1]
    assert "保安员证，" not in labels[0]  # the alias both share does not tell them apart
    assert labels[2].startswith("居住证申领（广州市公安局")


def test_distinct_labels_are_left_alone() -> None:
    a = published(make_content("A-1", name="婚姻登记", department="民政局"))
    b = published(make_content("A-2", name="婚姻登记", department="另一民政局"))
    assert choice_labels([a, b]) == ["婚姻登记（民政局）", "婚姻登记（另一民政局）"]
