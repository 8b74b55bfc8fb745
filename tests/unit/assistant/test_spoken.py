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
