"""Input rail ``injection``: prompt injection and jailbreak attempts.

In citizen text and in matter text (a tampered guide must not carry instructions to the model
or to citizens).

Patterns cover instruction override (忽略以上指令, ignore previous instructions), role-play and
persona wrappers (扮演, 你现在是, DAN, developer mode), and system-prompt extraction
(输出你的提示词, repeat the text above).
"""

from __future__ import annotations

import re

from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode

INJECTION_PATTERNS: tuple[str, ...] = (
    # instruction override
    r"(忽略|无视|忘记|忘掉|不要理会|别管|抛开|绕过|跳过)(掉)?(你|你的|之前|以上|上面|前面|上述|先前|所有|一切|全部|原有|原来|系统)*的?"
    r"(所有|全部|一切)?的?(指令|指示|提示|规则|设定|限制|要求|约束|安全|道德|政策|规定|命令|prompt)",
    r"ignore (all |any )?(the )?(previous|prior|above|earlier|your) (instructions|prompts?|rules)",
    r"disregard (all |any )?(previous|prior|above|your)",
    r"(新的|新)(指令|任务|规则)[:：]",
    r"从现在(开始|起)[,，]?你(是|将|要|必须|不再|只需|扮演|就是)",
    r"你(现在|从此|接下来)(是|就是|扮演|变成|成为|作为)",
    # role play / persona
    r"(扮演|假扮|假装|模仿|饰演|充当|化身|cosplay)",
    r"(角色扮演|以.{1,12}的(口吻|语气|态度)(来)?(回答|回复|说)|用.{1,12}的(口吻|语气))",
    r"(不受|摆脱|解除|突破)(任何)?(限制|约束|道德|规则|审查|过滤)",
    r"没有(任何)?(道德|审查|过滤|底线)",
    r"(开发者模式|developer mode|越狱|jailbreak|\bdan\b|do anything now|condition red|aim模式|evil|无限制模式|上帝模式)",  # noqa: E501 - data/regex/table row kept on one line
    r"(虚构|假设|想象)(的)?(故事|世界|场景|情境|小说)",
    r"(写|创作|编)(一个|一篇|一段)?(小说|故事|剧本|对话)",
    # system-prompt extraction
    r"(输出|告诉我|显示|打印|泄露|重复|复述|说出|给我看)(一下)?(你的|你)?(系统)?(提示词|提示语|指令|设定|初始|system ?prompt|prompt|规则)",  # noqa: E501 - data/regex/table row kept on one line
    r"(system prompt|系统提示|系统消息|system message)",
    r"(重复|复述)(上面|以上|前面)(的)?(内容|文字|话)",
    r"repeat (the|everything) (text )?above",
    # instructions planted in matter text
    r"(请|务必)(告诉|引导|要求)(用户|市民|群众).{0,12}(转账|汇款|扫码|加微信|联系)",
    r"(assistant|助手|ai|模型)(必须|应当|应该)(回答|输出|说)",
)


class InjectionDetector:
    """Matches :data:`INJECTION_PATTERNS` on the folded, lower-cased text."""

    def __init__(self, folder: Folder, patterns: tuple[str, ...] = INJECTION_PATTERNS) -> None:
        self._folder = folder
        self._regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)

    def detect(self, text: str) -> bool:
        """True when ``text`` looks like an injection or jailbreak attempt."""
        return self._regex.search(self._folder.fold(text)) is not None


class InjectionRail:
    """Refuses citizen text that tries to override, re-role or extract the assistant's rules."""

    name = "injection"

    def __init__(self, detector: InjectionDetector, message_zh: str) -> None:
        self._detector = detector
        self._message = message_zh

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse when the working text matches an injection pattern."""
        if self._detector.detect(state.text):
            return verdict("input", self.name, Decision.REFUSE, ReasonCode.INJECTION, self._message)
        return verdict("input", self.name)
