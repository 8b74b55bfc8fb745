"""Input rail ``scope``: the AI service only looks up and explains (GB/T 47483 §9.4.1 e).

Identity authentication (``帮我核验一下身份``), eligibility review (``我符合…条件吗``,
``我能领…吗``, ``你看我这情况能不能批``) and final decisions or guarantees (``直接给我批了``,
``保证能办下来吗``) are refused with the official channel. Asking for the *published*
conditions (``申请低保需要什么条件``) is answered. Rules decide first; the optional
:class:`~guardrails.scope_classifier.ScopeClassifier` catches paraphrases the rules miss.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from guardrails.folding import Folder
from guardrails.models import Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode
from guardrails.scope_classifier import ScopeClassifier

_ME = (
    r"(我|俺|咱|本人|我家|我们家|我妈|我爸|我爱人|我老伴|我老公|我老婆|我孩子|我儿子|我女儿|我父母"
    r"|我家老人)"
)
_ASK = r"(吗|么|不|没有|没|呢|否|\?|？|啊|呀)"

SCOPE_RULES: dict[ReasonCode, tuple[str, ...]] = {
    ReasonCode.IDENTITY_AUTH: (
        r"(帮|给|替|为)(我|俺|咱)?.{0,6}(验证|核验|认证|核实|核对|确认|鉴定|验)(一下|下)?.{0,6}(身份|本人|实名|人脸|脸|指纹|证件真|身份证)",
        r"(你|帮我|给我|替我|让你|请你|麻烦你|机器).{0,10}(核|验|认证|确认|鉴别|鉴定|比对|核对|证明)"
        r".{0,12}(身份|本人|人证|真假|真伪|是不是真|户主|人脸|脸)",
        r"(在你这|你这里|通过你|用你).{0,6}(实名|身份|人脸)(认证|核验|验证|识别)",
        r"(验证|核验|认证|核实|确认|鉴定)(一下|下)?(我|俺)?的?(身份|是不是本人|是否本人|实名)",
        r"(证明|确认|看看)(一下)?我(就)?是(我|本人)",
        r"(刷脸|人脸识别|实名认证|身份认证|身份核验)(你|您)?(能|可以|帮|给|替)",
        r"(你|您)(能|可以|来)(帮我|给我|替我)?(刷脸|人脸识别|实名认证|身份认证|身份核验)",
        r"(这|这个|这张)(身份证|证件|户口本)(是)?(真的|假的|真是假|是不是真)",
        r"我(是不是|是否)本人",
    ),
    ReasonCode.FINAL_DECISION: (
        r"(直接|马上|现在|赶紧|立刻)?(帮|给|替|为)我(批|审批|批准|通过|办结|核准|审核通过|盖章|出证|发证|下证|判定|认定|定)(了|一下|掉|吧)?",
        r"(你|您)(直接|来|能|可以|就)(批|审批|批准|决定|判定|认定|拍板|定)",
        r"(保证|担保|包|承诺|打包票)(一下)?(我)?.{0,8}(能|可以|一定)?(办|批|通过|下来|成功|领到|拿到)",
        r"(一定|肯定|百分百|百分之百|绝对)(能|可以|会)(批|通过|办下来|办成|下来|领到)" + _ASK,
        r"(你|您)说(了)?(能|行|可以)(就|那就)?(算|行|作数)",
        r"(给|跟)(我|俺)?(个|一个)?(准话|准信|答复|结论|最终结果)",
        r"(最终|最后)(结果|决定|结论)(是什么|怎么样|出来|由你)",
        r"(你|您)(的)?(回答|答复|说的)(算不算|能不能作为|可以作为|算)(正式|官方|依据|证明)",
    ),
    ReasonCode.ELIGIBILITY: (
        _ME + r".{0,12}(符合|满足|够|够得上|达到|达标|具备).{0,14}(条件|资格|标准|要求)?" + _ASK,
        _ME
        + r".{0,6}(能|可以|可不可以|能不能|有没有资格|有资格)(领|领取|享受|申请到|拿到|拿|评上|评为|获得|得到|吃|办下来|批下来|被批)",
        r"(符合|满足).{0,12}(条件|要求|标准)(了)?(吗|么|不|没)",
        r"(帮|给|替)我(算算|看看|判断|评估)(一下)?.{0,6}(能不能|够不够|符不符合|有没有资格)",
        _ME + r".{0,10}(有没有|有无|够不够|是不是有)(资格|条件)",
        r"(我|俺|我家|我们)?这(种|个|样的)?(情况|条件|收入|家庭).{0,10}(能不能|能|可以|可不可以|够不够|算不算|行不行|符不符合|有没有戏)",
        r"(能不能|能否|可不可以)(批|批准|通过审核|审批通过|过审|批下来)",
        r"(帮|给|替)我(看看|判断|审核|审查|评估|核定|认定|算算)(一下)?.{0,8}(符合|够|能不能|资格|条件|合格|能否)",
        r"我(算不算|属不属于|是不是属于|算是)(低保户|困难户|贫困户|特困|残疾|优抚对象|高层次人才|人才)",
        r"(判断|审核|审查|评估|认定)(一下)?我.{0,6}(资格|条件|能不能|是否)",
    ),
}


class ScopeRules:
    """The regular-expression half of the scope check."""

    def __init__(self, folder: Folder, rules: Mapping[ReasonCode, tuple[str, ...]] = SCOPE_RULES):
        self._folder = folder
        self._rules = {
            reason: re.compile("|".join(f"(?:{p})" for p in patterns))
            for reason, patterns in rules.items()
        }

    def classify(self, text: str) -> ReasonCode | None:
        """The first scope reason whose rules match ``text``, or None."""
        folded = self._folder.fold(text)
        for reason, regex in self._rules.items():
            if regex.search(folded):
                return reason
        return None


class ScopeRail:
    """Refuses identity authentication, eligibility review and final decisions.

    Args:
        rules: The rule matcher.
        classifier: Optional trained classifier; None means rules only.
        mode: ``rules``, ``classifier`` or ``both`` (either one refusing is enough).
        threshold: Classifier probability needed to refuse.
        messages: Reason code → citizen-facing message.
        in_domain: Optional check that the text is a government-service request at all; the
            classifier (not the rules) refuses only such texts, so chit-chat ("给我讲个笑话")
            is left to the topic gate instead of being taken for a request for a decision.
    """

    name = "scope"

    def __init__(
        self,
        rules: ScopeRules,
        classifier: ScopeClassifier | None,
        mode: str,
        threshold: float,
        messages: Mapping[str, str],
        in_domain: Callable[[str], bool] | None = None,
    ) -> None:
        self._rules = rules
        self._in_domain = in_domain
        self._classifier = classifier
        self._mode = mode
        self._threshold = threshold
        self._messages = messages

    def decide(self, text: str) -> ReasonCode | None:
        """The scope reason to refuse ``text`` for, or None when it may be answered."""
        if self._mode in ("rules", "both"):
            reason = self._rules.classify(text)
            if reason is not None:
                return reason
        if self._mode in ("classifier", "both") and self._classifier is not None:
            reason = self._classifier.predict(text, self._threshold)
            if reason is not None and (self._in_domain is None or self._in_domain(text)):
                return reason
        return None

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse out-of-scope requests with the official channel."""
        reason = self.decide(state.text)
        if reason is None:
            return verdict("input", self.name)
        return verdict("input", self.name, Decision.REFUSE, reason, self._messages.get(reason))
