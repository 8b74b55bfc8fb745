import pytest

from speech.spoken_text import cardinal, normalize_for_speech


@pytest.mark.parametrize(
    ("n", "spoken"),
    [(0, "零"), (10, "十"), (15, "十五"), (105, "一百零五"), (1005, "一千零五"),
     (1200, "一千二百"), (12000, "一万二千"), (100005, "十万零五")],
)
def test_cardinal(n, spoken):
    assert cardinal(n) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("咨询电话0571-12345678", "咨询电话零五七幺，幺二三四五六七八"),
        ("拨打12345", "拨打幺二三四五"),
        ("手机13812345678", "手机幺三八幺二三四五六七八"),
        ("20个工作日办结", "二十个工作日办结"),
        ("3-5个工作日", "三至五个工作日"),
        ("工本费20元", "工本费二十元"),
        ("¥1,200.50", "一千二百元五角"),
        ("2026-03-05前", "二零二六年三月五日前"),
        ("2026年3月5日", "二零二六年三月五日"),
        ("9:00-17:30", "九点到十七点三十分"),
        ("身份证号11010519491231002X", "身份证号幺幺零幺零五幺九四九幺二三幺零零二叉"),
        ("事项编码HJ-0004", "事项编码HJ零零零四"),
        ("邮编310000", "邮编三幺零零零零"),
        ("2.5%", "百分之二点五"),
        ("面积90平方米", "面积九十平方米"),
        ("AI生成，仅供参考", "本回答由人工智能生成，仅供参考"),
        ("**重要** 请看#1", "重要 请看一"),
        ("没有数字的句子", "没有数字的句子"),
    ],
)
def test_normalize_for_speech(text, spoken):
    assert normalize_for_speech(text) == spoken


def test_without_wetext_the_older_rules_stand_in(monkeypatch):
    import speech.spoken_text as spoken_text

    monkeypatch.setattr(spoken_text, "_wetext", lambda: None)
    assert normalize_for_speech("2026-03-05前 9:00-17:30 5%") == (
        "二零二六年三月五日前 九点至十七点三十分 百分之五"
    )
    assert normalize_for_speech("拨打12345") == "拨打幺二三四五"


def test_without_wetext_the_older_rules_apply_to_text_without_digits(monkeypatch):
    import speech.spoken_text as spoken_text

    monkeypatch.setattr(spoken_text, "_wetext", lambda: None)
    monkeypatch.setattr(spoken_text, "_wetext_installed", lambda: False)
    assert normalize_for_speech("九点～十点") == "九点至十点"


def test_with_wetext_text_without_digits_is_left_to_the_own_rules(monkeypatch):
    import speech.spoken_text as spoken_text

    def no_wetext_needed():
        raise AssertionError("wetext loaded for a text without digits")

    monkeypatch.setattr(spoken_text, "_wetext", no_wetext_needed)
    assert normalize_for_speech("九点～十点 **办理**") == "九点～十点 办理"
    assert normalize_for_speech("承诺20个工作日，咨询12345") == "承诺二十个工作日，咨询幺二三四五"


def test_an_answer_without_digits_never_imports_wetext():
    """A fresh interpreter: wetext (its FSTs load at import, ~0.3 s) stays unloaded."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from speech.spoken_text import normalize_for_speech\n"
        "normalize_for_speech('承诺20个工作日内办结。咨询电话：12345。AI生成，仅供参考')\n"
        "print('wetext' in sys.modules)\n"
        "normalize_for_speech('2026-03-05前')\n"
        "print('wetext' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", "True"]
