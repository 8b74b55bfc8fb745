"""Requests that the kiosk *act*, told apart from what a question is about.

GB/T 47483 §9.4.1 e: information lookup and guidance only — never identity authentication,
eligibility review or a final decision.

A citizen text is cut into clauses (punctuation and the conjunctions that tuck a second request
behind a first: 顺便, 另外, 还有, 对了, ...). Each clause is judged on its own by the scope
rules and classifier (:class:`~guardrails.rails.scope.ScopeRail`); a clause that asks the kiosk
to do something becomes an :class:`~guardrails.models.ActRequest` with its kind and span, the
other clauses stay answerable. "社保卡怎么补办？你顺便在系统里帮我把审批也过了吧" is one
answerable clause and one ``approve`` request: the pipeline answers the first from the matter
and declines the second, with the official channel, in the same reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.models import ActKind
from guardrails.reasons import ReasonCode

_SPLIT = re.compile(
    r"[，,。．.？?！!；;\n]+|(?=(?:顺便|另外|还有|对了|同时|然后|并且|而且|再帮|再给|你再|您再))"
    r"|(?i:\s+(?=(?:and also|also|by the way|btw|and then|and can you|and could you|and please)\b))"
)
_FILLER = re.compile(
    r"^(好的?|谢谢|谢了|麻烦了?|拜托了?|求你了|可以吗|行吗|好吗|行不行|好不好|吧|啊|呀|呢|哦|嗯|"
    r"我急着用|急用|很急|着急|材料我都有|材料都齐了|我都准备好了|就这样|快点|"
    r"(我|本人)(叫|是|姓)\S{0,6})+$"
)
_PLACEHOLDER = re.compile(r"\[[^\]]{1,8}\]")
_WORDS = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_HAN = re.compile(r"[\u3400-\u9fff0-9]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

_GUARANTEE = re.compile(
    r"(保证|担保|包我|包你|包过|承诺|打包票|一定|肯定|百分百|百分之百|绝对|准话|准信)"
)
_CHANGE = re.compile(
    r"(改成|改为|改一下|改掉|改了|修改|更正|更改|变更|删掉|删除|删了|抹掉|消除|消掉|撤销|撤掉|去掉)"
    r"|(?i:\b(change|delete|remove|erase|alter|edit|update|correct|amend|modify|wipe)\b)"
)
_RULE = re.compile(
    r"(判|裁定|裁决|评判|评理|断一下|谁对|谁有理|谁的责任|归谁|该赔|该不该赔|仲裁一下)"
)

ACT_REASONS: dict[ActKind, ReasonCode] = {
    ActKind.AUTHENTICATE: ReasonCode.IDENTITY_AUTH,
    ActKind.ELIGIBILITY: ReasonCode.ELIGIBILITY,
    ActKind.APPROVE: ReasonCode.FINAL_DECISION,
    ActKind.CHANGE_RECORD: ReasonCode.FINAL_DECISION,
    ActKind.GUARANTEE: ReasonCode.FINAL_DECISION,
    ActKind.RULE_ON_CASE: ReasonCode.FINAL_DECISION,
}
"""Each act kind's reason code (the message the citizen gets names the official channel)."""


@dataclass(frozen=True)
class Clause:
    """One clause of a text and its span in characters."""

    text: str
    start: int
    end: int

    @property
    def substantive(self) -> bool:
        """True when the clause says something beyond fillers (谢谢, 我急着用, ...)."""
        core = "".join(_WORDS.findall(_PLACEHOLDER.sub("", self.text)))
        return len(core) >= 3 and not _FILLER.match(core)


def clauses(text: str) -> list[Clause]:
    """``text`` cut at punctuation and tucking conjunctions; empty clauses dropped.

    Returns:
        Clauses in order, each with its ``[start, end)`` span in ``text``.
    """
    out: list[Clause] = []
    position = 0
    for match in _SPLIT.finditer(text):
        if match.start() > position:
            out.append(Clause(text[position : match.start()], position, match.start()))
        position = max(position, match.end())
    if position < len(text):
        out.append(Clause(text[position:], position, len(text)))
    merged: list[Clause] = []
    for clause in (c for c in out if c.text.strip()):
        if merged and _size(merged[-1].text) < 2:
            # "你" before "顺便…": a fragment belongs to the clause it introduces
            merged[-1] = Clause(text[merged[-1].start : clause.end], merged[-1].start, clause.end)
        else:
            merged.append(clause)
    return merged


def _size(text: str) -> int:
    """Han characters plus Latin words: "你" and "Also" are fragments of one unit."""
    return len(_HAN.findall(text)) + len(_LATIN_WORD.findall(text))


def act_kind(clause: str, reason: ReasonCode) -> ActKind:
    """The act a clause refused for ``reason`` asks for.

    ``scope.identity_auth`` is authentication and ``scope.eligibility`` eligibility review; a
    ``scope.final_decision`` clause is a guarantee, a change to a record, a ruling on a case or
    (otherwise) an approval.
    """
    if reason is ReasonCode.IDENTITY_AUTH:
        return ActKind.AUTHENTICATE
    if reason is ReasonCode.ELIGIBILITY:
        return ActKind.ELIGIBILITY
    if _GUARANTEE.search(clause):
        return ActKind.GUARANTEE
    if _CHANGE.search(clause):
        return ActKind.CHANGE_RECORD
    if _RULE.search(clause):
        return ActKind.RULE_ON_CASE
    return ActKind.APPROVE
