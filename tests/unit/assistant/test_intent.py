import pytest

from assistant.intent import IntentClassifier
from assistant.models import IntentKind
from knowledge.models import Aspect

classifier = IntentClassifier()


@pytest.mark.parametrize(
    ("text", "kind", "aspect"),
    [
        ("户口签移要带什么", IntentKind.ASK_MATTER, Aspect.MATERIALS),
        ("居住证办理条件是什么", IntentKind.ASK_MATTER, Aspect.CONDITIONS),
        ("护照要多久能拿到", IntentKind.ASK_MATTER, Aspect.TIME_LIMIT),
        ("补身份证多少钱", IntentKind.ASK_MATTER, Aspect.FEE),
        ("社保卡在哪里办", IntentKind.ASK_MATTER, Aspect.PLACE),
        ("居住证在自助机上能办吗", IntentKind.ASK_MATTER, Aspect.CHANNELS),
        ("结婚登记的流程", IntentKind.ASK_MATTER, Aspect.PROCESS),
        ("我的护照办理进度", IntentKind.ASK_MATTER, Aspect.PROGRESS),
        ("身份证丢了怎么补办", IntentKind.ASK_MATTER, Aspect.OVERVIEW),
        ("我要办居住证", IntentKind.GO_TO_MATTER, Aspect.OVERVIEW),
        ("打开公积金提取", IntentKind.GO_TO_MATTER, Aspect.OVERVIEW),
        ("一键求助", IntentKind.HELP, Aspect.OVERVIEW),
        ("我不会用，找工作人员", IntentKind.HELP, Aspect.OVERVIEW),
        ("你好", IntentKind.CHITCHAT, Aspect.OVERVIEW),
        ("谢谢！", IntentKind.CHITCHAT, Aspect.OVERVIEW),
        ("帮我填表", IntentKind.FILL_FORM, Aspect.OVERVIEW),
        ("How long does a passport take?", IntentKind.ASK_MATTER, Aspect.TIME_LIMIT),
    ],
)
def test_classify(text, kind, aspect):
    intent = classifier.classify(text)
    assert (intent.kind, intent.aspect) == (kind, aspect)


def test_short_aspect_question_is_a_follow_up():
    intent = classifier.classify("那要多久")
    assert intent.follow_up and intent.aspect is Aspect.TIME_LIMIT
    assert not classifier.classify("身份证丢了怎么补办").follow_up
