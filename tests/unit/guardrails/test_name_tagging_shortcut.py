"""Jieba's name tagging is skipped only where it could find no name (issue 9, guard pass p95).

A tagged name must open a clause and start with a surname; a text where no clause opens with a
surname is not tagged, and finds the very names it found before.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from guardrails.pii import names
from guardrails.pii.names import NameRecognizer

NAME_TEXTS = (
    "我叫张伟，电话13812345678",
    "韩美玲的营业执照怎么年检",
    "司徒雅要办居住证",
    "请问王芳要带什么材料",
    "帮我问问李明的社保转到哪了",
    "问一下刘洋能不能代办",
    "经办人王芳让我来拿材料",
    "阿卜杜拉·艾则孜的户口迁移",
    "我身份证丢了咋补？",
    "办理居住证需要居民身份证、居住证明，承诺15个工作日办结，不收费。",
    "老人高龄津贴在哪里领，要多久",
    "社保卡怎么补办？你顺便在系统里帮我把审批也过了吧",
    "材料齐了。\n张三丰要办什么",
    "  欧阳修远想问护照",
    "",
)


@pytest.fixture()
def tagging_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    tagged: list[str] = []
    real = names._posseg

    def counted(text: str) -> list[tuple[str, str]]:
        tagged.append(text)
        return real(text)

    monkeypatch.setattr(names, "_posseg", counted)
    yield tagged


def test_names_found_with_and_without_the_tagging_shortcut(tagging_counted: list[str]) -> None:
    recognizer = NameRecognizer()
    for text in NAME_TEXTS:
        spans = recognizer.analyze(text)
        tagged_anyway = recognizer._tagged(text) + [s for s in spans if s.recognizer != "name_pos"]
        assert sorted(spans, key=lambda s: (s.start, s.recognizer)) == sorted(
            tagged_anyway, key=lambda s: (s.start, s.recognizer)
        ), text
    assert any(s.recognizer == "name_pos" for s in recognizer.analyze("韩美玲的营业执照怎么年检"))


def test_no_tagging_when_no_clause_opens_with_a_surname(tagging_counted: list[str]) -> None:
    recognizer = NameRecognizer()
    recognizer.analyze("办理居住证需要居民身份证、居住证明，承诺15个工作日办结，不收费。")
    recognizer.analyze("我身份证丢了咋补？")
    assert tagging_counted == []
    recognizer.analyze("请问王芳要带什么材料")
    assert tagging_counted == ["请问王芳要带什么材料"]
