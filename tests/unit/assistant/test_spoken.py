import pytest

from assistant.spoken import to_spoken


@pytest.mark.parametrize(
    ("screen", "spoken"),
    [
        ("咨询电话：12345。", "咨询电话，幺二三四五。"),
        ("承诺20个工作日内办结", "承诺二十个工作日内办结"),
        ("工作日 9:00-12:00", "工作日 九点到十二点"),
        ("13:30-17:00", "十三点三十分到十七点"),
        ("电话0571-12345678", "电话零五七幺，幺二三四五六七八"),
        ("工本费20元（低保减免）", "工本费二十元，低保减免"),
    ],
)
def test_spoken_forms(screen, spoken):
    assert to_spoken(screen) == spoken


def test_no_digits_or_symbols_left():
    text = to_spoken("1. 居民户口簿（原件）；2. 《证明》\n咨询电话：12333。")
    assert not any(c.isdigit() for c in text)
    assert not set("《》（）") & set(text)


def test_list_numbers_are_read_before_wetext_so_a_list_alone_never_loads_it(monkeypatch):
    """第一、第二 … 第十二: the list markers carry no digit on to wetext (~6 ms a text)."""
    import speech.spoken_text as spoken_text

    def no_wetext_needed():
        raise AssertionError("wetext loaded for a text whose only digits are list markers")

    monkeypatch.setattr(spoken_text, "_wetext", no_wetext_needed)
    items = "；".join(f"{n}. {name}" for n, name in [(1, "身份证"), (2, "户口簿"), (10, "照片"),
                                                      (12, "证明")])  # fmt: skip
    spoken = to_spoken(f"需要准备：{items}。")
    assert "第一，身份证" in spoken and "第二，户口簿" in spoken
    assert "第十，照片" in spoken and "第十二，证明" in spoken
