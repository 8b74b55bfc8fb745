"""Input rail ``intent``: harmful-intent recognition beyond single keywords (§9.4.1 b).

"意图识别": how-to requests for illegal acts, privacy invasion, sweeping generalisations
about groups, and requests to produce false or extremist material.

Each pattern is a (reason code, regex) pair matched on the folded text; the first match
refuses with the reason's message. Government phrasing (举报, 打击, 防范) is checked by the
lexicon allow-list first, and the patterns require an intent verb, so ``如何举报诈骗`` passes.
With the topic classifier trained, a pattern match does not refuse a text whose harm the
classifier puts below its calibrated threshold (:meth:`~guardrails.rails.topic.MeaningCheck.clears`;
the topic gate then answers or redirects it): the words decide nothing alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode

if TYPE_CHECKING:
    from guardrails.rails.topic import MeaningCheck

_HOW = r"(如何|怎么|怎样|怎么样|有什么办法|有没有办法|教我|教人|帮我|告诉我|方法|技巧|步骤|计划|策略|建议|能不能|你能)"  # noqa: E501 - data/regex/table row kept on one line
_GROUPS = (
    r"(女人|女性|男人|男性|老人|老年人|年轻人|残疾人|农民|农村人|外地人|穷人|胖子|黑人|白人|"
    r"穆斯林|基督徒|少数民族|[\u4e00-\u9fa5]{1,4}人|同性恋|病人|患者|员工|工人|水管工|司机|保姆|"
    r"外卖员|快递员|清洁工|艾滋病人|乙肝患者|单亲|离婚的|未婚|丁克)"
)

HARMFUL_INTENT: tuple[tuple[ReasonCode, str], ...] = (
    (ReasonCode.ILLEGAL, _HOW + r".{0,16}(窃取|盗取|偷取|偷走|偷|盗|骗取|诈骗|骗过|骗|敲诈|勒索|"
     r"洗钱|走私|贩卖|非法|违禁|伪造|仿造|破解|入侵|黑进|盗号|逃避|规避|绕过|躲避|避开|逃税|"
     r"漏税|偷税|行贿|贿赂|操纵|操控|监视|监听|偷拍|跟踪|窃听|盗版|复制受版权|下载受版权|"
     r"隐藏|掩盖|销毁证据|作弊|逃脱|越狱|潜入|闯入)"),
    (ReasonCode.ILLEGAL, r"(不引起怀疑|不被发现|不被警察|警方不知情|神不知鬼不觉|不留痕迹|逃避警察|"
     r"躲过警察|避免被抓|避免被查|不被抓|瞒过|不被追踪|逃避法律|钻法律空子|钻空子)"),
    (ReasonCode.ILLEGAL, r"(内幕消息|内幕交易|商业秘密|商业机密|机密文件|机密信息|敏感信息|薪资信息|"  # noqa: E501 - data/regex/table row kept on one line
     r"银行卡里|别人的账户|他人的账户|私人信息|个人隐私|隐私信息|私密照片|他人肖像|版权|盗用)"),
    (ReasonCode.VIOLENCE_TERROR, r"(武器|枪|炸|爆炸|毒药|毒死|杀死|杀掉|弄死|打死|伤害他人|报复|"
     r"恐怖分子|极端信仰|极端主义|暴力和死亡|生化|化学武器|虐待|折磨|自杀|自残|轻生)"),
    (ReasonCode.DISCRIMINATION, _GROUPS + r".{0,12}(都是|就是|都很|天生|总是|普遍|不配|不应该|"
     r"不适合|应该被|低下|低人一等|素质低|没素质|懒|脏|笨|臭|蠢|不行|糟糕|没用|麻烦|骗局|自私|"
     r"不注重卫生|无可替代|更优秀|更聪明|不如)"),
    (ReasonCode.DISCRIMINATION, r"(侮辱|歧视|嘲笑|取笑|羞辱|贬低|看不起|鄙视|讽刺|玷污|诋毁|"
     r"诽谤|攻击|谩骂|辱骂|抹黑|造谣|偏见|刻板印象)"),
    (ReasonCode.MISLEADING, r"(骗局|阴谋论|虚假|假新闻|谣言|伪科学|证明.{0,10}(是假的|是骗局)|"
     r"疫苗.{0,6}(危害|有害|危险)|编造|捏造|误导)"),
    (ReasonCode.PORN, r"(色情|性感|裸体|裸露|情色|性行为|性生活|性暗示|黄色|成人内容|嫖|妓)"),
)  # fmt: skip


PROTECTIVE = re.compile(
    r"(举报|防范|打击|预防|报案|报警|防止|提防|反诈|投诉|维权|被骗|受骗|上当|被盗|被偷|挂失|识别|求助|保护)"
)
"""A citizen reporting or guarding against a harm is not asking how to commit it."""


class HarmfulIntent:
    """Compiled :data:`HARMFUL_INTENT` patterns."""

    def __init__(self, folder: Folder) -> None:
        self._folder = folder
        self._patterns = [(reason, re.compile(p)) for reason, p in HARMFUL_INTENT]

    def detect(self, text: str) -> ReasonCode | None:
        """The reason of the first harmful-intent pattern matching ``text``, or None."""
        folded = self._folder.fold(text)
        protective = PROTECTIVE.search(folded) is not None
        for reason, regex in self._patterns:
            if protective and reason is not ReasonCode.PORN:
                continue
            if regex.search(folded):
                return reason
        return None


class IntentRail:
    """Refuses text whose intent is harmful even without a lexicon term."""

    name = "intent"

    def __init__(
        self,
        detector: HarmfulIntent,
        messages: Mapping[str, str],
        meaning: MeaningCheck | None = None,
    ) -> None:
        self._detector = detector
        self._messages = messages
        self._meaning = meaning

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse on a harmful-intent match the meaning check does not clear."""
        reason = self._detector.detect(state.text)
        if reason is None:
            return verdict("input", self.name)
        if self._meaning is not None and self._meaning.clears(state):
            return verdict("input", self.name)
        return verdict("input", self.name, Decision.REFUSE, reason, self._messages.get(reason))
