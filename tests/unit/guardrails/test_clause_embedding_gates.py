"""The scope rail embeds a clause only on cheap evidence that it matters (issue 9, guard p95).

A clause's sentence vector is the guard's alone (retrieval embeds the question, or what is
left of it once a request was cut out), so the scope rail asks for one only when the cheap
evidence — the character clause head and the whole text's act probability — says it can change
the decision: the rules' veto of a clause the character head also calls a request is not asked;
the clauses of a text without a sign of a request are not embedded; of a long text at most
:data:`~guardrails.rails.scope.MAX_CLAUSE_EMBEDS` clauses are, the most request-like wherever
they stand (a request at the end of a long message is still found).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from guardrails.act_classifier import ActClassifier, read_act_examples
from guardrails.acts import clauses
from guardrails.folding import Folder
from guardrails.models import ActKind, Decision
from guardrails.rails import scope
from guardrails.rails.base import InputState
from guardrails.rails.scope import ScopeRail, ScopeRules
from guardrails.scope_classifier import TRAIN_PATH

TUCKED = "社保卡怎么补办？你顺便在系统里帮我把审批也过了吧"


class _Counting:
    """A stand-in sentence encoder: 64-dim unit vectors of character codes; counts its texts."""

    model_id = "test-counting-64"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text:
                out[row, ord(ch) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture(scope="module")
def acts() -> ActClassifier:
    return ActClassifier(_Counting()).fit(*read_act_examples(scope_path=TRAIN_PATH))


def _rail(acts: object) -> ScopeRail:
    return ScopeRail(
        ScopeRules(Folder()), None, "both", 0.6, {}, acts=acts,  # type: ignore[arg-type]
        act_threshold=0.7,
    )  # fmt: skip


def _screen(rail: ScopeRail, text: str) -> tuple[Decision, list[tuple[ActKind, str]], str | None]:
    state = InputState(original=text, text=text)
    verdict = rail.screen(state)
    found = [(a.kind, text[a.start : a.end]) for a in verdict.acts]
    return verdict.decision, found, state.answerable


def test_a_clause_the_rule_and_the_characters_agree_on_is_declined_unembedded(
    acts: ActClassifier,
) -> None:
    encoder = acts.encoder
    assert isinstance(encoder, _Counting)
    request = "你顺便在系统里帮我把审批也过了吧"
    assert acts.clause_scores([request])[0] >= scope.VETO_CHARS
    encoder.asked.clear()
    decision, found, answerable = _screen(_rail(acts), TUCKED)
    assert decision is Decision.DECLINE
    assert found == [(ActKind.APPROVE, request)] and answerable == "社保卡怎么补办"
    assert request not in encoder.asked  # the veto's clause embedding was not asked for


def test_the_veto_is_still_asked_where_the_characters_doubt_the_rule(
    acts: ActClassifier,
) -> None:
    encoder = acts.encoder
    assert isinstance(encoder, _Counting)
    text = "人脸识别认证不过，要去哪里人工核验身份？"
    doubted = "要去哪里人工核验身份"
    rail = _rail(acts)
    assert rail._rules.classify(doubted) is not None  # the rule matches the words
    assert acts.clause_scores([doubted])[0] < scope.VETO_CHARS
    encoder.asked.clear()
    _screen(rail, text)
    assert doubted in encoder.asked


def test_a_whole_text_the_rule_matches_is_always_checked_by_meaning(
    acts: ActClassifier,
) -> None:
    encoder = acts.encoder
    assert isinstance(encoder, _Counting)
    text = "我符合低保条件吗"  # one clause: its vector is the one retrieval embeds anyway
    assert acts.clause_scores([text])[0] >= scope.VETO_CHARS
    encoder.asked.clear()
    decision, _, _ = _screen(_rail(acts), text)
    assert text in encoder.asked
    assert decision is Decision.REFUSE


def test_the_veto_gate_decides_as_the_veto_on_tucked_requests(
    acts: ActClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        TUCKED,
        "身份证换领要什么材料？另外你把我的出生日期改成身份证上那个",
        "帮我核验一下身份，然后告诉我居住证怎么办",
        "个体户怎么注册？你直接帮我把执照批下来，材料我都有",
        "人脸识别认证不过，要去哪里人工核验身份？",
    ]
    gated = [_screen(_rail(acts), t) for t in texts]
    monkeypatch.setattr(scope, "VETO_CHARS", 2.0)  # the veto asked of every clause
    assert [_screen(_rail(acts), t) for t in texts] == gated


class _Stub:
    """An act classifier with set answers: whole-text probability and per-clause scores.

    ``acts_of`` records the clauses it was asked to judge (each one it was asked is a clause
    embedding) and calls a request the clauses listed in ``requests``.
    """

    encoder = object()
    fitted = True

    def __init__(
        self, whole: float, chars: dict[str, float], requests: Sequence[str] = ()
    ) -> None:
        self.whole, self.chars, self.requests = whole, chars, set(requests)
        self.embedded: list[str] = []

    def new_turn(self) -> None:
        self.embedded.clear()

    def act_of(self, text: str, threshold: float = 0.5) -> tuple[ActKind | None, float]:
        if text in self.chars:  # a clause
            return self.acts_of([text], threshold)[0]
        if self.whole >= threshold:
            return ActKind.APPROVE, self.whole
        return None, 1.0 - self.whole

    def acts_of(
        self, texts: Sequence[str], threshold: float = 0.5
    ) -> list[tuple[ActKind | None, float]]:
        self.embedded += list(texts)
        return [(ActKind.APPROVE, 0.9) if t in self.requests else (None, 0.9) for t in texts]

    def clause_scores(self, texts: Sequence[str]) -> list[float]:
        return [self.chars.get(t, 0.0) for t in texts]


LEGIT = [
    "居住证怎么办", "需要带什么材料", "在哪个窗口办理", "大概要多久", "收不收费", "能不能网上办",
]  # fmt: skip
TAIL = "顺便在后台把我那个申请弄好"


def _long(*parts: str) -> str:
    return "，".join(parts)


@pytest.mark.parametrize(
    ("whole", "top_char", "embeds"),
    [
        (0.1, 0.9, False),  # no sign of a request in the whole text
        (0.3, 0.4, False),  # a faint sign, and no clause the characters call a request
        (0.3, 0.6, True),  # a faint sign, and a clause the characters call a request
        (0.45, 0.1, True),  # a clear sign: the clauses are judged whatever the characters say
        (0.8, 0.1, True),  # the whole text is a request: its clause is located by meaning
    ],
)
def test_clauses_are_embedded_only_on_a_sign_of_a_request(
    whole: float, top_char: float, embeds: bool
) -> None:
    text = _long(LEGIT[0], LEGIT[1])
    stub = _Stub(whole, {LEGIT[0]: 0.05, LEGIT[1]: top_char})
    _screen(_rail(stub), text)
    assert bool(stub.embedded) is embeds


def test_a_request_at_the_end_of_a_long_text_is_found_with_a_bounded_number_of_embeddings() -> (
    None
):
    text = _long(*LEGIT, TAIL)
    assert len([c for c in clauses(text) if c.substantive]) > scope.MAX_CLAUSE_EMBEDS
    chars = dict.fromkeys(LEGIT, 0.2) | {TAIL: 0.8}
    stub = _Stub(0.5, chars, requests=[TAIL])
    decision, found, answerable = _screen(_rail(stub), text)
    assert len(stub.embedded) == scope.MAX_CLAUSE_EMBEDS
    assert TAIL in stub.embedded
    assert decision is Decision.DECLINE and found == [(ActKind.APPROVE, TAIL)]
    assert answerable == "，".join(LEGIT)


def test_the_clauses_embedded_are_the_most_request_like_in_their_order() -> None:
    text = _long(*LEGIT, TAIL)
    scores = [0.3, 0.1, 0.7, 0.2, 0.6, 0.05, 0.65]
    stub = _Stub(0.5, dict(zip([*LEGIT, TAIL], scores, strict=True)))
    _screen(_rail(stub), text)
    assert stub.embedded == [LEGIT[0], LEGIT[2], LEGIT[4], TAIL]


def test_a_long_request_whole_is_declined_even_when_no_embedded_clause_is_one() -> None:
    # The whole text's head says "request"; the clauses embedded say no: the character
    # clause head locates it, so the bound never lets the request through.
    text = _long(*LEGIT, TAIL)
    chars = dict.fromkeys(LEGIT, 0.1) | {TAIL: 0.9}
    stub = _Stub(0.9, chars, requests=[])
    decision, found, _ = _screen(_rail(stub), text)
    assert decision is Decision.DECLINE and found == [(ActKind.APPROVE, TAIL)]


def test_a_request_the_rules_see_across_clauses_is_located_among_a_bounded_few() -> None:
    # The rule matches "帮我核验一下，身份证" only across the comma: the clause holding the
    # request is chosen by meaning among the most request-like clauses alone.
    text = _long(*LEGIT[:5], "帮我核验一下", "身份证")
    rules = ScopeRules(Folder())
    assert rules.classify(text) is not None
    assert all(rules.classify(c.text) is None for c in clauses(text))
    chars = dict.fromkeys(LEGIT, 0.1) | {"帮我核验一下": 0.8, "身份证": 0.3}
    stub = _Stub(0.9, chars, requests=["帮我核验一下"])
    decision, found, answerable = _screen(_rail(stub), text)
    assert len(stub.embedded) == scope.MAX_CLAUSE_EMBEDS and "帮我核验一下" in stub.embedded
    assert decision is Decision.DECLINE and found == [(ActKind.AUTHENTICATE, "帮我核验一下")]
    assert answerable is not None and "居住证怎么办" in answerable
