"""Chinese text handling for retrieval: normalization, jieba tokens, pinyin keys.

Tokenization is jieba's (an own :class:`jieba.Tokenizer` per index, with a domain user
dictionary of matter names, aliases and department names); pinyin comes from pypinyin. The
pinyin keys fold the confusions Mandarin speech recognition and dialect speakers make most
(zh/z, ch/c, sh/s, n/l/r, h/f, -ng/-n), so 户口签移 and 户口迁移 share their keys. Numbers are
keyed as they are said (60 → liu si, like 六十), since a recognizer writes 六十岁 where a
catalogue may print 60周岁, and the other way round.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba
import Stemmer
from pypinyin import Style, lazy_pinyin

from daoban.jieba_dict import load_default_dictionary
from speech.spoken_text import cardinal, digits

logger = logging.getLogger(__name__)

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]")
_PUNCT = re.compile(r"[^\w\u3400-\u9fff]+")
_ASCII_WORD = re.compile(r"^[a-z]+$")
_NUMBER = re.compile(r"^[0-9]+$")
_CARDINAL_DIGITS = 4
"""Numbers up to this many digits are read as numbers (60 → 六十); longer ones digit by digit
(hotlines, codes: 12345 → 一二三四五)."""

STOPWORDS = frozenset(
    ["的", "了", "吗", "呢", "啊", "呀", "吧", "嘛", "哦", "哈", "么", "是", "我", "你", "您", "他", "她", "它", "我们", "咱", "俺", "要", "想", "想要", "需要", "请问", "请", "问", "一下", "怎么", "怎么办", "怎样", "如何", "咋", "咋办", "咋弄", "怎么弄", "怎么样", "什么", "啥", "哪", "哪里", "哪儿", "在哪", "去哪", "多少", "几", "多", "能", "能不能", "可以", "可不可以", "会", "该", "应该", "得", "这个", "那个", "这", "那", "个", "一个", "和", "与", "或", "及", "还", "也", "都", "就", "又", "给", "把", "被", "让", "在", "有", "没有", "办", "办理", "弄", "搞", "处理", "手续", "事", "事情", "需", "带", "拿", "去", "到", "从", "对", "为", "为了", "吗", "呀", "哎", "喂", "嗯", "好", "好的", "谢谢", "麻烦", "帮", "帮我", "告诉", "知道", "问问", "一", "下", "些", "点", "样", "时候", "现在", "今天", "刚", "刚刚", "已经", "然后", "就是", "但是", "因为", "所以", "如果", "的话", "关于", "how", "do", "does", "i", "my", "me", "a", "an", "the", "to", "of", "for", "in", "on", "is", "are", "can", "what", "where", "when", "which", "with", "get", "please", "want", "need", "should"]  # noqa: E501 - data/regex/table row kept on one line
)
"""Function words and question frames that say nothing about which matter is meant."""

# Initials and finals folded together: the errors of recognizers and of southern accents.
# r joins the n/l class (folding it to "l", which itself folds to "n", matched nothing).
_INITIAL_FOLDS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("f", "h"), ("r", "n"))
_FINAL_FOLDS = (("ang", "an"), ("eng", "en"), ("ing", "in"), ("ong", "on"), ("uan", "an"))


def normalize(text: str) -> str:
    """NFKC-normalize (full-width to half-width), lower-case, collapse whitespace."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def has_han(text: str) -> bool:
    """True when ``text`` holds at least one Chinese character."""
    return bool(_HAN.search(text))


def fold_syllable(syllable: str) -> str:
    """Fold a toneless pinyin syllable onto its near-homophone class (shi → si, qing → qin)."""
    for long, short in _INITIAL_FOLDS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FINAL_FOLDS:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


@lru_cache(maxsize=65536)
def _char_key(char: str) -> str:
    """Folded toneless pinyin of one Chinese character (pure; memoized for index builds)."""
    return fold_syllable(lazy_pinyin(char, style=Style.NORMAL)[0])


def spoken_number(number: str) -> str:
    """A digit string as a Mandarin speaker says it (60 → 六十, 105 → 一百零五).

    Numbers longer than four digits (hotlines, codes) are read digit by digit: 12345 → 一二三四五.
    """
    if len(number) <= _CARDINAL_DIGITS:
        return cardinal(int(number))
    return digits(number)


def pinyin_keys(text: str) -> list[str]:
    """Folded pinyin syllables of the Chinese characters in ``text``, in order.

    Digit runs are keyed as they are said (:func:`spoken_number`); other non-Chinese runs
    (Latin words) are kept as they are, lower-cased.
    """
    keys: list[str] = []
    for piece in _WORD.findall(normalize(text)):
        if _HAN.match(piece):
            keys.append(_char_key(piece))
        elif _NUMBER.match(piece):
            keys.extend(_char_key(char) for char in spoken_number(piece))
        else:
            keys.append(piece)
    return keys


def bigrams(items: list[str]) -> list[str]:
    """Adjacent pairs joined by ``_`` (a single item gives itself)."""
    if len(items) < 2:
        return list(items)
    return [f"{a}_{b}" for a, b in zip(items, items[1:], strict=False)]


class ChineseTokenizer:
    """jieba tokenizer with a domain dictionary; stop words and punctuation removed.

    Usage example::

        tokenizer = ChineseTokenizer(["居住证", "异地就医备案"])
        tokenizer.tokens("居住证怎么办")   # ["居住证"]

    Each instance owns its :class:`jieba.Tokenizer`, so dictionaries never leak between
    indexes. The jieba dictionary loads lazily on first use (about 0.7 s, once per process).
    """

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        """Create a tokenizer; ``user_words`` are added to jieba's dictionary."""
        self._jieba = jieba.Tokenizer()
        self._stemmer = Stemmer.Stemmer("english")
        self._user_words = sorted({normalize(w) for w in user_words if w.strip()})
        self._ready = False

    def warm_up(self) -> None:
        """Load jieba's dictionary and the user words (idempotent)."""
        if self._ready:
            return
        # jieba's process-wide default dictionary (jieba.posseg, which the personal-data rail
        # uses, reads the same one) is loaded once, from jieba's cache in one read
        # (daoban.jieba_dict), and copied: each Tokenizer loading its own is ~0.5 s of CPU.
        load_default_dictionary()
        base = jieba.dt
        self._jieba.FREQ, self._jieba.total = dict(base.FREQ), base.total
        self._jieba.initialized = True
        for word in self._user_words:
            if len(word) >= 2:
                self._jieba.add_word(word, freq=20000)
        self._ready = True

    def add_words(self, words: Iterable[str]) -> None:
        """Add ``words`` to the dictionary (now if loaded, else at warm-up).

        Words of two characters or more join jieba's dictionary with a high frequency, so a
        matter name stays one token.
        """
        new = sorted({normalize(w) for w in words if w.strip()} - set(self._user_words))
        self._user_words.extend(new)
        if self._ready:
            for word in new:
                if len(word) >= 2:
                    self._jieba.add_word(word, freq=20000)

    def tokens(self, text: str) -> list[str]:
        """Search-mode jieba tokens of ``text`` (words and their sub-words), stop words removed.

        English words are stemmed (Snowball, PyStemmer) so "expired" meets "expiry".
        """
        self.warm_up()
        out: list[str] = []
        for token in self._jieba.cut_for_search(normalize(text)):
            token = _PUNCT.sub("", token)
            if not token or token in STOPWORDS:
                continue
            if _ASCII_WORD.match(token):
                token = self._stemmer.stemWord(token)
            out.append(token)
        return out

    def content_chars(self, text: str) -> str:
        """The Chinese characters and words of ``text`` left after removing stop words."""
        self.warm_up()
        words = (_PUNCT.sub("", t) for t in self._jieba.cut(normalize(text)))
        return "".join(w for w in words if w and w not in STOPWORDS)
