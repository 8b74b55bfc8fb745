"""Text folding that defeats simple evasion, at C speed through :meth:`str.translate`.

A :class:`Folder` maps every character of a text to a canonical form:

* compatibility forms to their base (NFKC: full-width ``ＡＢＣ１２３`` → ``ABC123``, Kangxi
  radicals ``⼈`` → ``人``, circled digits ``①`` → ``1``);
* traditional to simplified Chinese, one character at a time (zhconv tables), so positions
  never shift;
* Latin capitals to lower case, and look-alike Cyrillic/Greek letters to Latin (homoglyphs);
* separators inserted between characters (spaces, punctuation, symbols, zero-width and control
  characters) to nothing, in the *skeleton* only.

:meth:`Folder.fold` keeps one output character per input character (same length, so spans map
back one to one); :meth:`Folder.skeleton` also drops separators, for lexicon matching.

:class:`Syllables` maps every Chinese character to its tone-free pinyin syllable (pypinyin's
default reading), one private-use character per syllable, so that sound-alike spellings
(``发轮功`` for ``法轮功``) become equal strings of the same length as the text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pypinyin
import zhconv
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from guardrails.table_cache import file_bytes, load_or_build

_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x",
    # digits used as letters inside Latin words are left alone on purpose (numbers matter)
}  # fmt: skip

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_SEPARATOR_CATEGORIES = ("Z", "P", "S", "C")
_WHITESPACE = re.compile(r"\s+")


def _single(text: str, fallback: str) -> str:
    return text if len(text) == 1 else fallback


class Folder:
    """Character tables for folding; build once (about 0.3 s) and share.

    Usage example::

        folder = Folder()
        folder.fold("辦理ＩＤ")         # "办理id"
        folder.skeleton("毒 * 品")      # "毒品"
    """

    def __init__(self) -> None:
        tables = load_or_build("folder", _folder_inputs, _folder_tables, _valid_folder_tables)
        self._fold: list[str | None] = tables[0]
        self._skeleton: list[str | None] = tables[1]

    @staticmethod
    def build_tables() -> tuple[list[str | None], list[str | None]]:
        """The (fold, skeleton) tables, built from NFKC, zhconv and the homoglyphs."""
        fold: dict[int, str] = {}
        drop: dict[int, str | None] = {}
        for code in range(0x20, 0x10000):
            if 0xD800 <= code <= 0xDFFF:
                continue
            char = chr(code)
            target = _single(unicodedata.normalize("NFKC", char), char)
            target = _HOMOGLYPHS.get(target.lower(), target.lower() if target.isascii() else target)
            if any(lo <= ord(target) <= hi for lo, hi in _CJK_RANGES):
                target = _single(zhconv.convert(target, "zh-cn"), target)
            if target != char:
                fold[code] = target
            if unicodedata.category(target)[0] in _SEPARATOR_CATEGORIES:
                drop[code] = None
        for code in (0x09, 0x0A, 0x0D):
            drop[code] = None
        for code in range(0, 0x20):
            drop[code] = None
        # Lists indexed by code point translate about twice as fast as dicts; characters
        # beyond the BMP raise IndexError (a LookupError) and are left as they are.
        folded: list[str | None] = [fold.get(code, chr(code)) for code in range(0x10000)]
        skeleton: list[str | None] = [
            None if code in drop else fold.get(code, chr(code)) for code in range(0x10000)
        ]
        return folded, skeleton

    def fold(self, text: str) -> str:
        """Canonical form of ``text``, one character per character (same length)."""
        return text.translate(self._fold)

    def skeleton(self, text: str) -> str:
        """Canonical form of ``text`` without separators; for matching, not for display."""
        return text.translate(self._skeleton)

    def gaps(self, text: str) -> list[bool]:
        """For each character of ``skeleton(text)``: were separators dropped right before it?

        Tells where the words of a Latin run were apart (``mai bingdu`` → a gap before ``b``)
        once the skeleton has glued them; same length as the skeleton.
        """
        marks: list[bool] = []
        pending = False
        table = self._skeleton
        for char in text:
            code = ord(char)
            if code < 0x10000 and table[code] is None:
                pending = True
            else:
                marks.append(pending)
                pending = False
        return marks


_SYLLABLE_BASE = 0xE000  # private use: dropped from every skeleton, so never in matched text
_SYLLABLE_LIMIT = 0xF8FF


class Syllables:
    """Tone-free pinyin syllables, one private-use character each (pypinyin readings).

    :meth:`encode` maps every Chinese character of a text to the code of its default reading
    (``lazy_pinyin`` of the character alone, tone-free, ``ü`` as ``v``) at C speed through
    :meth:`str.translate`; other characters stay as they are. The result has the length of the
    text, so a match in it is a match of whole syllables at the same character positions, and
    equal codes mean equal sound whatever the characters (``兵毒`` and ``冰毒`` both encode to
    ``bing|du``). Build once through :func:`syllables` (about 0.15 s) and share.

    Usage example::

        sounds = syllables()
        sounds.encode("兵毒") == sounds.encode("冰毒")       # True
        sounds.spell(sounds.encode("法伦工"))                # ["fa", "lun", "gong"]
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, str] = {}
        self._names: list[str] = []
        names, table = load_or_build("syllables", _syllable_inputs, self._build, _valid_syllables)
        for name in names:
            self.code(name)
        self._table: list[str | None] = table
        self._known = frozenset(self._names)

    def _build(self) -> tuple[list[str], list[str | None]]:
        """(syllables in code order, the code-point table): pypinyin for every character."""
        chars = [chr(code) for code in range(0x3400, 0xA000) if code in pinyin_dict]
        table: list[str | None] = [chr(code) for code in range(0x10000)]
        for char, reading in zip(chars, lazy_pinyin(chars), strict=True):
            table[ord(char)] = self.code(reading)
        return list(self._names), table

    def code(self, syllable: str) -> str:
        """The one-character code of a tone-free syllable (``"bing"``); new ones are added.

        Raises:
            ValueError: ``syllable`` is empty or the private-use range is exhausted.
        """
        found = self._codes.get(syllable)
        if found is not None:
            return found
        if not syllable:
            raise ValueError("empty syllable")
        with self._lock:
            found = self._codes.get(syllable)
            if found is None:
                if _SYLLABLE_BASE + len(self._names) > _SYLLABLE_LIMIT:
                    raise ValueError("too many syllables")
                found = chr(_SYLLABLE_BASE + len(self._names))
                self._codes[syllable] = found
                self._names.append(syllable)
        return found

    def encode(self, text: str) -> str:
        """``text`` with each Chinese character replaced by its syllable code (same length)."""
        return text.translate(self._table)

    def encode_readings(self, readings: Iterable[str]) -> str:
        """Codes of a sequence of tone-free syllables (``["fa", "lun", "gong"]``)."""
        return "".join(self.code(reading) for reading in readings)

    def spell(self, codes: str) -> list[str]:
        """The syllables of a code string; non-code characters are returned as they are."""
        names = self._names
        return [
            names[ord(c) - _SYLLABLE_BASE] if _SYLLABLE_BASE <= ord(c) < _SYLLABLE_BASE + len(names)
            else c
            for c in codes
        ]  # fmt: skip

    def is_code(self, char: str) -> bool:
        """True when ``char`` is a syllable code (a Chinese character with a known reading)."""
        return _SYLLABLE_BASE <= ord(char) < _SYLLABLE_BASE + len(self._names)

    @property
    def known(self) -> frozenset[str]:
        """Every tone-free syllable that some Chinese character reads as (about 410)."""
        return self._known


def _folder_inputs() -> list[bytes]:
    """What the folding tables depend on: this module and zhconv's dictionary."""
    return [file_bytes(__file__), file_bytes(Path(zhconv.__file__).with_name("zhcdict.json"))]


def _syllable_inputs() -> list[bytes]:
    """What the syllable table depends on: this module, pypinyin's version and dictionaries."""
    data = Path(pypinyin.__file__).parent
    return [
        file_bytes(__file__),
        pypinyin.__version__.encode(),
        file_bytes(data / "pinyin_dict.json"),
        file_bytes(data / "phrases_dict.json"),
    ]


def _folder_tables() -> tuple[list[str | None], list[str | None]]:
    return Folder.build_tables()


def _valid_table(table: object) -> bool:
    """A list of one entry per BMP code point, each a string or None."""
    return (
        isinstance(table, list)
        and len(table) == 0x10000
        and all(entry is None or isinstance(entry, str) for entry in table)
    )


def _valid_folder_tables(tables: object) -> bool:
    return isinstance(tables, tuple) and len(tables) == 2 and all(_valid_table(t) for t in tables)


def _valid_syllables(value: object) -> bool:
    if not (isinstance(value, tuple) and len(value) == 2 and _valid_table(value[1])):
        return False
    names = value[0]
    return (
        isinstance(names, list)
        and 0 < len(names) <= _SYLLABLE_LIMIT - _SYLLABLE_BASE + 1
        and all(isinstance(n, str) and n for n in names)
        and len(set(names)) == len(names)
    )


@cache
def syllables() -> Syllables:
    """The process-wide :class:`Syllables` table (built on first call)."""
    return Syllables()


FULLWIDTH_TO_ASCII = str.maketrans(
    {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F) if chr(code - 0xFEE0).isalnum()}
    | {0x3000: " ", 0xFF20: "@", 0xFF0E: ".", 0xFF0D: "-", 0xFF0B: "+"}
)
"""Full-width letters, digits, ``@ . - +`` and the ideographic space to ASCII, one character
each (lengths and positions are kept); Chinese punctuation is left alone."""


def normalize_display(text: str) -> str:
    """Full-width letters and digits to ASCII, collapsed whitespace; Chinese punctuation kept.

    This is the text the later stages and the composer see.
    """
    return _WHITESPACE.sub(" ", text.translate(FULLWIDTH_TO_ASCII)).strip()
