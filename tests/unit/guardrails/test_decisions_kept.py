"""Topic assessments and act decisions of recent texts are kept across turns, by digest.

A kiosk hears the same questions all day; a repeated text is not featurised and scored
again, the answer is the same, and the caches hold digests, never the text.
"""

from __future__ import annotations

from guardrails.policy import Guardrails


def _held(cache: object) -> str:
    return repr(list(cache.items()))  # type: ignore[attr-defined]


def test_a_repeated_text_is_assessed_once(guard: Guardrails, monkeypatch) -> None:
    topic = guard.classifiers.topic
    text = "居住证怎么办理需要什么材料王芳"
    first = topic.assess(text)
    assert first is not None
    topic.assess("社保卡怎么补办")  # another text in between: not the last-text memo
    calls: list[object] = []
    real = topic._features

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(topic, "_features", counted)
    assert topic.assess(text) == first
    assert calls == []
    assert "王芳" not in _held(topic._seen) and text not in _held(topic._seen)


def test_repeated_clauses_are_judged_once(guard: Guardrails, monkeypatch) -> None:
    acts = guard.classifiers.acts
    assert acts is not None
    texts = ["你顺便在系统里帮我把审批也过了吧", "社保卡怎么补办"]
    first = acts.acts_of(texts)
    acts.new_turn()
    calls: list[object] = []
    real = acts._decisions

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(acts, "_decisions", counted)
    assert acts.acts_of(texts) == first
    assert calls == []
    assert acts.acts_of(texts, threshold=0.9) is not None  # another threshold is judged anew
    assert len(calls) == 1
    assert all(t not in _held(acts._seen) for t in texts)


def test_a_new_topic_model_forgets_what_it_kept(guard: Guardrails) -> None:
    topic = guard.classifiers.topic
    topic.assess("身份证丢了怎么补办")
    assert len(topic._seen) > 0
    topic.forget_recent()  # what fit and a model load call
    assert len(topic._seen) == 0


def test_act_decisions_outlive_a_turn(guard: Guardrails) -> None:
    acts = guard.classifiers.acts
    assert acts is not None
    acts.acts_of(["帮我把审批过了"])
    acts.new_turn()
    assert len(acts._seen) > 0
