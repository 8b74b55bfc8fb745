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


@pytest.mark.parametrize(
    "names", [["居住证申领", "居住证签注"], [f"事项{i}" for i in "甲乙丙丁戊己庚辛壬癸子丑"]]
)
def test_numbered_options_read_as_wetext_reads_them_without_loading_it(monkeypatch, names):
    """A clarifying question lists options "1. …；2. …": read 一. / 十二. as wetext would."""
    import speech.spoken_text as spoken_text
    from assistant.replies import Replies

    text = Replies("12345").clarify(names)
    with_wetext = spoken_text._wetext()
    if with_wetext is not None:
        expected = normalize_for_speech(str(with_wetext.normalize(text)))
    else:
        expected = None

    def no_wetext_needed():
        raise AssertionError("wetext loaded for a text whose only digits number its options")

    monkeypatch.setattr(spoken_text, "_wetext", no_wetext_needed)
    spoken = normalize_for_speech(text)
    assert "1." not in spoken and "一. " + names[0] in spoken
    if len(names) >= 12:
        assert "十二. " + names[11] in spoken
    if expected is not None:
        assert spoken == expected


@pytest.mark.parametrize("text", ["版本2.0 发布", "共3. 5", "第1. 项", "3.5 公里"])
def test_a_number_and_dot_elsewhere_is_no_option(text):
    """Only a number opening the text or following ？；： is an option's number: wetext reads
    the others."""
    import speech.spoken_text as spoken_text

    assert any(c.isdigit() for c in spoken_text._apply(spoken_text._BEFORE, text))
