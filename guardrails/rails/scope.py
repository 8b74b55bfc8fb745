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

from guardrails.act_classifier import ActClassifier
from guardrails.acts import ACT_REASONS, Clause, act_kind, clauses
from guardrails.folding import Folder
from guardrails.models import ActKind, ActRequest, Decision, RailVerdict
from guardrails.rails.base import InputState, verdict
from guardrails.reasons import ReasonCode
from guardrails.scope_classifier import ScopeClassifier

_ME = (
    r"(我|俺|咱|本人|我家|我们家|我妈|我爸|我爱人|我老伴|我老公|我老婆|我孩子|我儿子|我女儿|我父母"
    r"|我家老人)"
)
_ASK = r"(吗|么|不|没有|没|呢|否|\?|？|啊|呀)"
CLAUSE_CHECK = 0.2
"""Whole-text act probability from which the clauses of a longer text may be judged one by one
(then only with :data:`CLAUSE_SURE` or :data:`CLAUSE_CHARS` evidence)."""
CLAUSE_SURE = 0.4
"""Whole-text act probability from which the clauses are judged one by one whatever the
character clause head says. Calibrated on the tune sets (act_requests_tune, near_miss_tune,
scope_dev, routing_gd_tune, routing_dev, the threat/report training lines): every request of
act_requests_tune found only clause by clause had a whole-text probability ≥ 0.51 (0.4 leaves
a margin); the two threats found so below 0.4 had a clause at ≥ :data:`CLAUSE_CHARS`. With
both gates no decision on those sets changed, and the passes embedding a clause halved."""
CLAUSE_CHARS = 0.5
"""Character clause head probability (its own decision boundary) from which one clause of a
text below :data:`CLAUSE_SURE` is a sign of a request worth embedding the clauses for."""
MAX_CLAUSE_EMBEDS = 4
"""At most this many clauses of one text are embedded: those the character clause head finds
most request-like, wherever they stand (a request at the end of a long message is ranked like
one at the start). On the tune sets every request found clause by clause was among its text's
three most request-like clauses."""
RULE_VETO = 0.75
"""Probability of "no act" from the meaning-based head that overrules a scope rule's match."""
VETO_CHARS = 0.5
"""Character clause head probability (its own decision boundary) from which a *clause* a scope
rule matched is declined without the meaning-based veto (whose clause embedding retrieval never
shares). On the tune sets the veto overruled 4 of 106 rule matches, all with a character
probability ≤ 0.35; a whole text is always checked (its vector is the one retrieval embeds)."""

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
        r"\b(can|could|would|will) you (please |just |kindly )?(verify|authenticate) (my|me|that i|"
        r"whether i|his|her|this)\b",
    ),
    ReasonCode.FINAL_DECISION: (
        r"(直接|马上|现在|赶紧|立刻)?(帮|给|替|为)我(批|审批|批准|通过|办结|核准|审核通过|盖章|出证|发证|下证|判定|认定|定)(了|一下|掉|吧)?",
        r"(你|您)(直接|来|能|可以|就)(批|审批|批准|决定|判定|认定|拍板|定)",
        r"(保证|担保|包|承诺|打包票)(一下)?(我)?.{0,8}(能|可以|一定)?(办|批|通过|下来|成功|领到|拿到|"
        r"出结果|出证|拿证|到账)",
        r"(一定|肯定|百分百|百分之百|绝对)(能|可以|会)(批|通过|办下来|办成|下来|领到)" + _ASK,
        r"(你|您)说(了)?(能|行|可以)(就|那就)?(算|行|作数)",
        r"(给|跟)(我|俺)?(个|一个)?(准话|准信|答复|结论|最终结果)",
        r"(最终|最后)(结果|决定|结论)(是什么|怎么样|出来|由你)",
        r"(你|您)(的)?(回答|答复|说的)(算不算|能不能作为|可以作为|算)(正式|官方|依据|证明)",
        # approve: "帮我把审批也过了", "你在系统里给我通过一下"
        r"(帮|给|替|为)(我|俺)(们)?(在系统里|在系统上|在后台|系统里)?把.{0,12}(也|都|直接|赶紧)?(给)?"
        r"(过了|通过|批了|批掉|批下来|办下来|办了|审了|核准|放行|盖了章|下了)",
        r"(你|您)(直接|就|来|帮忙|顺手|顺便)?(在系统里|在后台|在系统上)?(给|帮|替)?(我|俺)?"
        r"(把)?.{0,10}(审批|审核|申请|许可|执照)(直接|也|都)?(给)?(过了|通过了|批了|通过一下|批一下|放行)",
        # change a record: "你把我的出生日期改成…", "帮我在系统里把记录删掉"
        r"(你|您|帮我|给我|替我|麻烦你)(直接|在系统里|在后台|在系统上|顺便)?.{0,4}(把|将).{0,16}"
        r"(改成|改为|改一下|改掉|改了|修改|更正|删掉|删除|删了|抹掉|消除|消掉|撤销|去掉|"
        r"改(早|晚|大|小|高|低|长|短|多|少)|往(前|后)改)",
        r"(在系统里|在后台|系统上|数据库里).{0,8}(改|删|修改|更正|撤销|抹)",
        # the same acts asked in English of the kiosk itself ("can you change my ...", "could
        # you approve the ..."): "you" does them, unlike "how can I change ..." (a question)
        r"\b(can|could|would|will) you (please |just |kindly |simply )?(change|delete|remove|"
        r"erase|alter|edit|update|correct|amend|modify|wipe|approve|grant|sign off) "
        r"(my|the|our|his|her|this|that|these)\b",
        # rule on a case: "你判一下谁对", "帮我评评理"
        r"(你|您)(来|给|帮我|替我)?(判|裁|评判|裁定|裁决|断)(一下|一判|判)?.{0,10}(谁对|谁有理|谁的责任|谁赔|归谁|谁错)",
        r"(帮|给|替)(我|我们)(评评理|判一下|裁决一下|断一下|裁定一下)",
        r"(你|您)(说|看|认为)?.{0,6}(这事|这个案子|这纠纷|这官司).{0,6}(谁对|谁有理|谁赢|该判|怎么判)",
    ),
    ReasonCode.ELIGIBILITY: (
        _ME + r".{0,12}(符合|满足|够|够得上|达到|达标|具备).{0,14}(条件|资格|标准|要求)?" + _ASK,
        _ME
        + r".{0,6}(能|可以|可不可以|能不能|有没有资格|有资格)(领|领取|享受|申请到|拿到|拿|评上|评为|获得|得到|吃|办下来|批下来|被批)",  # noqa: E501 - data/regex/table row kept on one line
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


def _most_request_like(indices: list[int], chars: list[float]) -> list[int]:
    """The :data:`MAX_CLAUSE_EMBEDS` of ``indices`` with the highest ``chars``, in text order.

    Args:
        indices: Clause positions in their text, ascending.
        chars: The character clause head's probability of each, in the same order.
    """
    ranked = sorted(range(len(indices)), key=lambda j: (-chars[j], j))
    return [indices[j] for j in sorted(ranked[:MAX_CLAUSE_EMBEDS])]


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
        acts: The meaning-based act classifier; once fitted it replaces the character
            classifier (which stays the fallback without it).
        act_threshold: Probability of an act kind from which the act classifier declines.
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
        acts: ActClassifier | None = None,
        act_threshold: float = 0.5,
    ) -> None:
        self.acts = acts
        self._act_threshold = act_threshold
        self._rules = rules
        self._in_domain = in_domain
        self._classifier = classifier
        self._mode = mode
        self._threshold = threshold
        self._messages = messages

    def decide(self, text: str, domain_of: str | None = None) -> ReasonCode | None:
        """The scope reason to refuse ``text`` for, or None when it may be answered.

        Args:
            text: A whole question or one clause of it.
            domain_of: The text whose government-service domain gates the classifier (the
                whole question when ``text`` is a clause); defaults to ``text``.
        """
        meaning = self.acts is not None and self.acts.fitted
        if self._mode in ("rules", "both"):
            reason = self._rules.classify(text)
            clause = domain_of is not None and domain_of != text
            if reason is not None and not self._meaning_vetoes(text, clause=clause):
                return reason
        if self._mode in ("classifier", "both") and self._classifier is not None and not meaning:
            reason = self._classifier.predict(text, self._threshold)
            if reason is not None and (
                self._in_domain is None or self._in_domain(domain_of or text)
            ):
                return reason
        return None

    def _meaning_vetoes(self, text: str, *, clause: bool = False) -> bool:
        """True when the sentence-embedding act head is confident ``text`` asks for no act.

        The rules match words (核验身份, 符合条件, 改成); a question *about* such an act (where
        to authenticate, what the published conditions are, how to correct a record) shares
        the words. A rule hit stands unless the meaning-based head, trained on both kinds,
        gives "no act" a probability of at least :data:`RULE_VETO`. Only with a sentence
        encoder: the character fallback learned the same words the rules match.

        Args:
            text: The whole question, or one ``clause`` of it.
            clause: ``text`` is one clause of a longer question. Its embedding is the guard's
                alone (retrieval embeds the question, or what is left of it), so it is asked
                for only when the character clause head doubts the clause is a request
                (probability below :data:`VETO_CHARS`); otherwise the rule and the character
                head agree and the rule stands.
        """
        acts = self.acts
        if acts is None or not acts.fitted or acts.encoder is None:
            return False
        if clause and acts.clause_scores([text])[0] >= VETO_CHARS:
            return False
        kind, probability = acts.act_of(text, self._act_threshold)
        return kind is None and probability >= RULE_VETO

    def find_acts(self, text: str) -> tuple[list[ActRequest], list[str]]:
        """The requests to act in ``text`` and the substantive clauses that remain.

        Each clause (:func:`~guardrails.acts.clauses`) is judged on its own, so a request
        tucked behind a legitimate question is found; when no single clause is a request but
        the whole text is, the whole text is one.

        Returns:
            (acts with kind and span, answerable clause texts).
        """
        parts = clauses(text)
        acts: list[ActRequest] = []
        rest: list[str] = []
        for part in parts if len(parts) > 1 else []:
            reason = self.decide(part.text, domain_of=text)
            if reason is None:
                if part.substantive:
                    rest.append(part.text.strip())
                continue
            acts.append(ActRequest(kind=act_kind(part.text, reason), reason_code=reason,
                                   start=part.start, end=part.end))  # fmt: skip
        if not acts:
            reason = self.decide(text)
            if reason is not None:
                located = self._locate(reason, parts)
                if located is not None:
                    return located
                kind = act_kind(text, reason)
                return [ActRequest(kind=kind, reason_code=reason, start=0, end=len(text))], []
        if not acts and self._mode in ("classifier", "both") and self.acts is not None:
            return self._meaning_acts(text, parts)
        return (acts, rest) if acts else ([], [text])

    def _locate(
        self, reason: ReasonCode, parts: list[Clause]
    ) -> tuple[list[ActRequest], list[str]] | None:
        """The clause holding a request the rules saw only across clauses, or None.

        With two or more substantive clauses and a sentence encoder, the clause the
        meaning-based head finds most act-like is declined and the others stay answerable
        (an elder's long turn ends with the request; the question before it is answered).
        Of a text with more than :data:`MAX_CLAUSE_EMBEDS` substantive clauses, only the
        most request-like by the character clause head are embedded and chosen from.
        None (decline the whole text) without an encoder or with fewer clauses.
        """
        acts = self.acts
        substantive = [i for i, p in enumerate(parts) if p.substantive]
        if acts is None or not acts.fitted or acts.encoder is None or len(substantive) < 2:
            return None
        if len(substantive) > MAX_CLAUSE_EMBEDS:
            chars = acts.clause_scores([parts[i].text for i in substantive])
            substantive = _most_request_like(substantive, chars)
        judged = acts.acts_of([parts[i].text for i in substantive], self._act_threshold)
        share = [p if k is not None else 1.0 - p for k, p in judged]
        chosen = {substantive[j] for j, p in enumerate(share) if p >= self._act_threshold}
        chosen = chosen or {substantive[max(range(len(share)), key=share.__getitem__)]}
        found = [
            ActRequest(kind=act_kind(parts[i].text, reason), reason_code=reason,
                       start=parts[i].start, end=parts[i].end)
            for i in sorted(chosen)
        ]  # fmt: skip
        rest = [p.text.strip() for i, p in enumerate(parts) if i not in chosen and p.substantive]
        return found, rest

    def _meaning_acts(self, text: str, parts: list[Clause]) -> tuple[list[ActRequest], list[str]]:
        """The act classifier's view: does the text ask for an act, and in which clause.

        A text of one clause is judged whole. A text of several substantive clauses is judged
        clause by clause with the same meaning-based head (the clauses embedded in one batch),
        so a request tucked behind a legitimate question is found even when the question
        dominates the whole text's vector. Each clause embedded is the guard's alone (retrieval
        embeds the question, or what is left of it), so plain questions stay at one embedding:
        the clauses are judged only when the whole text is a request, or shows a sign of one
        (probability ≥ :data:`CLAUSE_SURE`, or ≥ :data:`CLAUSE_CHECK` with a clause the
        character clause head calls a request, probability ≥ :data:`CLAUSE_CHARS`); and of a
        long text only the :data:`MAX_CLAUSE_EMBEDS` clauses that head finds most request-like
        are embedded. When no clause alone reaches the threshold but the whole text does, the
        character clause head picks the clause.
        """
        assert self.acts is not None
        kind, probability = self.acts.act_of(text, self._act_threshold)
        whole = kind is not None
        substantive = [i for i, p in enumerate(parts) if p.substantive]
        if len(substantive) < 2:
            if not whole or kind is None:
                return [], [text]
            reason = ACT_REASONS[kind]
            if len(parts) < 2:
                return [ActRequest(kind=kind, reason_code=reason, start=0, end=len(text))], []
            return self._chosen_by_chars(kind, parts)
        act_share = 1.0 - probability if kind is None else probability
        if not whole and act_share < CLAUSE_CHECK:
            return [], [text]
        chars = self.acts.clause_scores([parts[i].text for i in substantive])
        if not whole and act_share < CLAUSE_SURE and max(chars) < CLAUSE_CHARS:
            return [], [text]
        embedded = _most_request_like(substantive, chars)
        judged = self.acts.acts_of([parts[i].text for i in embedded], self._act_threshold)
        found = {
            i: clause_kind
            for i, (clause_kind, _) in zip(embedded, judged, strict=True)
            if clause_kind is not None
        }
        if not found:
            if not whole or kind is None:
                return [], [text]
            return self._chosen_by_chars(kind, parts)
        acts = [ActRequest(kind=k, reason_code=ACT_REASONS[k], start=parts[i].start,
                           end=parts[i].end) for i, k in sorted(found.items())]  # fmt: skip
        rest = [p.text.strip() for i, p in enumerate(parts) if i not in found and p.substantive]
        return acts, rest

    def _chosen_by_chars(
        self, kind: ActKind, parts: list[Clause]
    ) -> tuple[list[ActRequest], list[str]]:
        """The clause(s) the character clause head names as the request of ``kind``."""
        assert self.acts is not None
        reason = ACT_REASONS[kind]
        scores = self.acts.clause_scores([p.text for p in parts])
        chosen = {i for i, score in enumerate(scores) if score >= 0.5} or {int(max(
            range(len(scores)), key=scores.__getitem__))}  # fmt: skip
        acts = [ActRequest(kind=kind, reason_code=reason, start=parts[i].start, end=parts[i].end)
                for i in sorted(chosen)]  # fmt: skip
        rest = [p.text.strip() for i, p in enumerate(parts) if i not in chosen and p.substantive]
        return acts, rest

    def screen(self, state: InputState) -> RailVerdict:
        """Refuse a request to act with the official channel, or decline it only.

        When the text also asks a legitimate question, the act alone is declined
        (``Decision.DECLINE``) and the rest (``state.answerable``) is left to be answered.
        """
        if self.acts is not None:
            self.acts.new_turn()  # the act classifier judges and embeds each text once a turn
        acts, rest = self.find_acts(state.text)
        if not acts:
            return verdict("input", self.name)
        reason = acts[0].reason_code
        message = self._messages.get(reason)
        if not rest:
            return verdict("input", self.name, Decision.REFUSE, reason, message).model_copy(
                update={"acts": acts}
            )
        state.declined = acts
        state.answerable = "，".join(rest)
        return verdict("input", self.name, Decision.DECLINE, reason, message).model_copy(
            update={"acts": acts}
        )
