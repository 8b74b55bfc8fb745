"""Names of people in what citizens say and type (GB/T 47483 §9.4.1 d).

Three ways a name is found, each returning the name's span only (never the cue):

* a **cue** before it — self-introduction (``我叫``), kinship (``我爸``, ``我岳父``), a role
  (``经办人``, ``法定代表人``, ``患者``), a bank-account or parcel field (``户名``, ``收款人``,
  ``快递寄给``) — then a surname (single or compound: 欧阳, 司马, 诸葛, …) and one or two
  given-name characters;
* a **minority name** written with a middle dot (``阿卜杜拉·艾则孜``), which needs no cue;
* **jieba's person-name tags** (``nr``, ``nrfg``, ``nrt``) for a name that opens a clause and is
  followed by what people do with it (``韩美玲的营业执照``, ``司徒雅要办居住证``).

Surnames are from the common-surname list of :mod:`guardrails.pii.recognizers`; compound
surnames from the *百家姓* list below. Ordinary words next to a cue (``本人银行账户``) are
kept out by the given-name character exclusions and a list of common words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from guardrails.models import PiiSpan, PiiType
from guardrails.pii.recognizers import SURNAMES

logger = logging.getLogger(__name__)

COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "司徒", "慕容", "皇甫", "东方", "夏侯", "尉迟", "公孙", "长孙",
    "令狐", "端木", "宇文", "轩辕", "独孤", "南宫", "西门", "百里", "呼延", "赫连", "澹台", "公冶",
    "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "仲孙", "钟离", "闻人", "万俟", "司空", "亓官",
    "司寇", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "拓跋", "夹谷", "宰父",
    "谷梁", "段干", "东郭", "南门", "呼延", "羊舌", "梁丘", "左丘", "东门", "第五", "欧",
)  # fmt: skip
"""Compound surnames (百家姓), longest first when matched."""

KINSHIP_CUES = (
    "我爸爸", "我爸", "我妈妈", "我妈", "爸爸", "妈妈", "父亲", "母亲", "老爸", "老妈", "老公",
    "老婆", "妻子", "丈夫", "爱人", "老伴", "媳妇", "儿媳", "女婿", "儿子", "女儿", "孩子",
    "孙子", "孙女", "外孙", "外孙女", "侄子", "侄女", "外甥", "外甥女", "爷爷", "奶奶", "外公",
    "外婆", "姥姥", "姥爷", "岳父", "岳母", "丈人", "公公", "婆婆", "哥哥", "姐姐", "弟弟",
    "妹妹", "我哥", "我姐", "我弟", "我妹", "叔叔", "阿姨", "舅舅", "舅妈", "姑姑", "姑父",
    "伯伯", "伯父", "婶婶", "表哥", "表姐", "表弟", "表妹", "堂哥", "堂姐", "堂弟", "堂妹",
    "孩子他爸", "孩子他妈", "朋友", "同事", "邻居", "老人", "老人家", "家属", "亲戚", "同学",
)  # fmt: skip
"""Kinship and acquaintance words that introduce a person's name."""

ROLE_CUES = (
    "我叫", "叫做", "名叫", "姓名", "名字是", "名字叫", "全名", "本人叫", "我是", "车主", "户主",
    "申请人", "联系人", "经办人", "代办人", "代理人", "委托人", "受托人", "被委托人", "监护人",
    "被监护人", "法定代表人", "法人代表", "法人", "负责人", "患者", "病人", "死者", "逝者",
    "当事人", "办事人", "办理人", "投保人", "被保险人", "参保人", "领取人", "继承人",
    "户名", "开户名", "开户人", "持卡人", "收款人", "付款人", "收款方", "收件人", "寄件人",
    "快递寄给", "寄给", "转给", "汇给", "交给", "帮我看看", "帮我查查", "帮我查一下", "帮我查",
    "本人",
)  # fmt: skip
"""Roles, self-introductions and bank-account or parcel fields that precede a name."""

_NOT_GIVEN = (
    "的地得了着过吗呢吧啊办要想去来在是有和跟与及给说问查看把被让叫电手身住家今号证卡补领交缴"
    "申请到从也都就还已将能会可应需该户账银行社保医积护照驾驶营业执照结婚离婚退休养老"
    "低高龄残疾病住院死亡去世其他它们乡镇街，。、；：？！,.;:?! "
)
"""Characters that end a given name (particles, verbs, the first characters of matter words and
of administrative places: 向乡镇（街道）提出申请 is a place, not a name)."""

COMMON_WORDS = frozenset(
    {"本人", "申请", "孩子", "孙子", "老人", "老公", "老婆", "公公", "养老", "申请人", "法人",
     "司机", "单位", "关系", "金额", "高龄", "常住", "史料", "明确", "向前", "林业", "黄金",
     "文化", "方便", "方式", "白天", "安全", "于是", "和平", "成本", "时间", "田地", "于此"}
)  # fmt: skip
"""Words that look like a surname and a given name but are ordinary words."""

_NAME_END = "的地得了着过吗呢吧啊办要想去来在是和跟与及给说问查看把被让叫申请，。、；：？！,.;:?! "
"""Characters that end a transliterated given name (阿不都 keeps its 都)."""
_AMBIGUOUS_COMPOUNDS = frozenset(
    {"东方", "百里", "第五", "南门", "西门", "东门", "司空", "欧", "南宫"}
)
"""Compound surnames that also open ordinary words (东方明珠, 百里挑一): need a cue."""
_DOT = "·•‧・．"
_CJK = "\u4e00-\u9fff"
_MINORITY = re.compile(f"([{_CJK}]{{2,8}})[{_DOT}]([{_CJK}]{{1,8}})")
_CLAUSE_OPENERS = (r"[，。；！？,.;!?\s]", "请问", "帮我问问", "问一下")
"""What comes right before a name that opens a clause (besides the start of the text)."""
_CLAUSE_START = re.compile(f"(?:^|{'|'.join(_CLAUSE_OPENERS)})$")
_NAME_FOLLOWERS = re.compile(
    r"^(?:$|[，。；！？,.;!?\s]|的|要|想|来|去|在|办|申|已|还|是|能|可以|需要|这|那|他|她)"
)
_POS_NAME = ("nr", "nrfg", "nrt")
PREPOSITION_SURNAMES = frozenset("向于和与从对同跟")
"""Surnames that are also prepositions (申请人向窗口提交, 本人于次日领取)."""


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))


class NameRecognizer:
    """Finds person names in Chinese text by cue, middle dot and jieba's name tags.

    Usage example::

        NameRecognizer().analyze("经办人王芳让我来拿材料")
        # [PiiSpan(type=name, start=3, end=5, score=0.85, recognizer="name_cue")]

    Args:
        surnames: Single-character surnames.
        cues: Words introducing a name (kinship, role, bank and parcel fields).
        score: Score of a name after a cue or with a middle dot.
        pos_score: Score of a name found by jieba's tags alone.
        use_jieba: Also use jieba's part-of-speech tags (loads jieba's dictionary once, ~1 s).
    """

    name = "name"

    def __init__(
        self,
        surnames: str = SURNAMES,
        cues: Iterable[str] = KINSHIP_CUES + ROLE_CUES,
        score: float = 0.85,
        pos_score: float = 0.7,
        use_jieba: bool = True,
    ) -> None:
        self._surnames = surnames
        compound = _alternation(COMPOUND_SURNAMES)
        given = f"[^{re.escape(_NOT_GIVEN)}\\W\\d\\sA-Za-z]"
        body = f"(?:(?:{compound}){given}{given}?|[{surnames}]{given}{given}?)"
        self._cue = re.compile(
            f"(?:{_alternation(cues)})(?:叫做|名叫|叫|是|为|写|填)?[:：\\s]*({body})"
        )
        self._surname_intro = re.compile(
            f"姓(?:{compound}|[{surnames}])[，,\\s]*(?:名叫|叫做|叫|全名是?)[:：\\s]*({body})"
        )
        self._body_start = re.compile(f"(?:{compound}|[{surnames}])")
        after_opener = "".join(f"|(?<={opener})" for opener in _CLAUSE_OPENERS)
        self._clause_opening_surname = re.compile(f"(?:^{after_opener})(?:{compound}|[{surnames}])")
        distinct = _alternation(c for c in COMPOUND_SURNAMES if c not in _AMBIGUOUS_COMPOUNDS)
        self._compound_opening = re.compile(
            f"(?:^|(?<=[，。；！？,.;!?\\s])|(?<=请问))((?:{distinct}){given}{given}?)"
            f"(?=的|要|想|来|去|在|办|申请|已|还|是|能|可以|需要|[，。；！？,.;!?\\s]|$)"
        )
        self._score = score
        self._pos_score = pos_score
        self._use_jieba = use_jieba
        self._cue_words = frozenset(cues)

    def analyze(self, text: str) -> list[PiiSpan]:
        """Name spans in ``text`` (character offsets; the cue itself is not part of a span)."""
        spans = [
            self._span(m.start(1), m.end(1), self._score, "name_cue")
            for regex in (self._cue, self._surname_intro)
            for m in regex.finditer(text)
            if m.group(1) not in COMMON_WORDS and not self._ordinary(m.group(1))
            and not self._preposition_phrase(text, m.start(1), m.end(1))
        ]
        spans += [
            self._span(m.start(1), m.end(1), self._pos_score, "name_compound")
            for m in self._compound_opening.finditer(text)
        ]
        spans += self._minority(text)
        if self._use_jieba and self._clause_opening_surname.search(text):
            spans += self._tagged(text)
        return spans

    def _ordinary(self, body: str) -> bool:
        """True when ``body`` (or its first two characters) is an ordinary word.

        ``符合``, ``银行`` are in jieba's dictionary as non-names; False without jieba.
        """
        if not self._use_jieba:
            return False
        if body[:2] in COMPOUND_SURNAMES:
            return _dictionary_word(body, 100, places=False)
        if any(_dictionary_word(w, 100, places=False) for w in {body, body[:2]}):
            return True
        # 陈述 is tagged as a name in jieba's dictionary, and very common: 当事人陈述 is no name.
        return len(body) == 3 and _dictionary_name(body[:2], 500)

    def _span(self, start: int, end: int, score: float, recognizer: str) -> PiiSpan:
        return PiiSpan(type=PiiType.NAME, start=start, end=end, score=score, recognizer=recognizer)

    def _minority(self, text: str) -> list[PiiSpan]:
        spans: list[PiiSpan] = []
        for match in _MINORITY.finditer(text):
            left_start = match.start(1)
            left = match.group(1)
            # The left part may have swallowed the cue ("我丈夫热合曼"): cut after the last cue.
            cut = max((left.rfind(c) + len(c) for c in self._cue_words if c in left), default=0)
            cut = max(cut, left.rfind("我") + 1, left.rfind("是") + 1, left.rfind("叫") + 1)
            right = match.group(2)
            stop = next((i for i, ch in enumerate(right) if i > 0 and ch in _NAME_END), len(right))
            left, right = left[cut:], right[:stop]
            if len(left) < 2 or len(right) < 2:
                continue
            if self._quoted_or_worded(text, left_start + cut, left, right):
                continue
            spans.append(
                self._span(left_start + cut, match.start(2) + len(right), self._score, "name_dot")
            )
        return spans

    def _quoted_or_worded(self, text: str, start: int, left: str, right: str) -> bool:
        """True for titles and slogans with a dot (“天地图·广东”, 神之面孔·中非…).

        They are quoted, or a side holds a common non-name word.
        """
        if start > 0 and text[start - 1] in "“\"《「『'（(【":
            return True
        if not self._use_jieba:
            return False
        return any(
            len(w) >= 2 and _dictionary_word(w, 1000) for side in (left, right) for w in _cut(side)
        )

    @staticmethod
    def _preposition_phrase(text: str, start: int, end: int) -> bool:
        """Whether a cue's "name" is a preposition opening a phrase: 本人向人社部门, 监护人向乡镇.

        向, 于, 和 … are surnames and prepositions; after a role word the preposition is far
        the likelier reading, so such a span counts as a name only when a name's usual
        follower comes after it (经办人向华来拿材料).
        """
        return text[start] in PREPOSITION_SURNAMES and not _NAME_FOLLOWERS.match(text[end:])

    def _tagged(self, text: str) -> list[PiiSpan]:
        """Names jieba tags (``nr``) that open a clause and start with a surname.

        Only called when some clause of ``text`` opens with a surname (the span must), so a
        text without one is not tagged at all: jieba's tagging is the recognizer's cost.
        """
        spans: list[PiiSpan] = []
        position = 0
        tokens = _posseg(text)
        for index, (word, flag) in enumerate(tokens):
            start, position = position, position + len(word)
            following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
            if len(word) == 1 and word in self._surnames and following[1] in _POS_NAME \
                    and len(following[0]) <= 2:
                word, flag = word + following[0], following[1]  # 韩 + 美玲
            if flag not in _POS_NAME or not 2 <= len(word) <= 4 or word in COMMON_WORDS:
                continue
            if _dictionary_name(word):
                continue
            if word in self._cue_words or not self._body_start.match(word) or self._ordinary(word):
                continue
            end = start + len(word)
            # jieba splits "欧阳修远" as 欧阳修 + 远: take up to the name's usual length.
            limit = start + (4 if word[:2] in COMPOUND_SURNAMES else 3)
            while end < min(limit, len(text)) and _is_given(text[end]):
                if _NAME_FOLLOWERS.match(text[end:]):
                    break
                end += 1
            if _CLAUSE_START.search(text[:start]) and _NAME_FOLLOWERS.match(text[end:]):
                spans.append(self._span(start, end, self._pos_score, "name_pos"))
        return spans


def _is_given(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" and char not in _NOT_GIVEN


def _jieba() -> None:
    """Load jieba's default dictionary once (daoban.jieba_dict: from jieba's cache, thread-safe)."""
    import jieba

    from daoban.jieba_dict import load_default_dictionary

    jieba.setLogLevel(logging.WARNING)
    load_default_dictionary()


def _posseg(text: str) -> list[tuple[str, str]]:
    """The (word, POS tag) pairs jieba finds in ``text``."""
    import jieba.posseg as pseg

    _jieba()
    return [(pair.word, pair.flag) for pair in pseg.cut(text)]


def _cut(text: str) -> list[str]:
    """The words jieba cuts ``text`` into."""
    import jieba

    _jieba()
    return list(jieba.cut(text))


def _dictionary_name(word: str, min_freq: int = 50) -> bool:
    """True for a name common enough to be in jieba's dictionary (张家界, 王府井).

    Such a word is a place or a public figure, not a citizen's name.
    """
    import jieba
    import jieba.posseg as pseg

    _jieba()
    tag = pseg.dt.word_tag_tab.get(word) or ""
    return tag.startswith("nr") and (jieba.dt.FREQ.get(word) or 0) >= min_freq


def _dictionary_word(word: str, min_freq: int, places: bool = True) -> bool:
    """True when jieba's dictionary holds ``word`` as a non-name at least ``min_freq`` often.

    Place names count only when ``places`` (``徐海`` opens 徐海燕).
    """
    import jieba
    import jieba.posseg as pseg

    _jieba()
    tag = pseg.dt.word_tag_tab.get(word)
    if tag is None or tag.startswith("nr") or (not places and tag.startswith("ns")):
        return False
    return (jieba.dt.FREQ.get(word) or 0) >= min_freq
