"""The sensitive lexicon: category-tagged terms matched with Aho-Corasick (pyahocorasick).

Matching runs on the :class:`~guardrails.folding.Folder` skeleton of the text, so full-width
forms, traditional characters, homoglyphs and symbols inserted between characters do not hide
a term (GB/T 47483 §9.4.1 a, b: keyword filtering). Latin letters in the text are also matched
against each term's pinyin (``falungong``, ``fa lun 功``) and, for terms of three characters or
more, its initials as a whole word (``flg``).

Allow-list phrases (``打击犯罪``, ``枪支持有许可``) live in the same automaton; a sensitive hit
lying inside an allow hit is dropped, so legitimate government phrases pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
from pypinyin import Style, lazy_pinyin

from guardrails.errors import LexiconTermError
from guardrails.folding import Folder
from guardrails.models import LexiconHit, LexiconTerm

ALLOW = "allow"
"""Category of allow-list phrases."""

DATA_DIR = Path(__file__).with_name("data")
_CJK = re.compile(r"^[\u3400-\u9fff]+$")
_LATIN_RUN = re.compile(r"[a-z]+")
_HAS_LATIN = re.compile(r"[a-z]")
MAX_TERM_CHARS = 32


@dataclass(frozen=True, slots=True)
class _Entry:
    term: str
    category: str
    via: str
    length: int


def read_lexicon_file(path: Path) -> list[LexiconTerm]:
    """Read ``category<TAB>term`` lines (``#`` comments, blank lines skipped).

    Args:
        path: A UTF-8 text file.

    Returns:
        The terms in file order, ``source`` set to ``bundled``.
    """
    terms: list[LexiconTerm] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        category, _, term = line.partition("\t")
        if term:
            terms.append(LexiconTerm(term=term.strip(), category=category.strip()))
    return terms


def read_allow_file(path: Path) -> list[LexiconTerm]:
    """Read one allow-list phrase per line (``#`` comments skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        LexiconTerm(term=line.strip(), category=ALLOW)
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def bundled_terms() -> list[LexiconTerm]:
    """The bundled lexicon plus the bundled allow-list."""
    return read_lexicon_file(DATA_DIR / "lexicon.tsv") + read_allow_file(DATA_DIR / "allow.txt")


class Lexicon:
    """An immutable, compiled lexicon; rebuild (cheap) to change terms.

    Usage example::

        lexicon = Lexicon(folder, bundled_terms())
        lexicon.scan("哪里能买到冰 毒")   # [LexiconHit(term="冰毒", category="illegal")]
        lexicon.scan("禁毒宣传活动")       # [] (allow-listed)

    Args:
        folder: Shared folding tables.
        terms: Sensitive terms and allow-list phrases (category :data:`ALLOW`).
        categories: Known sensitive categories; a term of another category raises.

    Raises:
        LexiconTermError: A term is empty, longer than 32 characters, or of an unknown category.
    """

    def __init__(
        self,
        folder: Folder,
        terms: Iterable[LexiconTerm],
        categories: Iterable[str] | None = None,
    ) -> None:
        self._folder = folder
        known = set(categories) | {ALLOW} if categories is not None else None
        self._terms: dict[tuple[str, str], LexiconTerm] = {}
        exact = ahocorasick.Automaton()
        spoken = ahocorasick.Automaton()
        initials: dict[str, _Entry] = {}
        for item in terms:
            key = folder.skeleton(item.term)
            if not key or len(item.term) > MAX_TERM_CHARS:
                raise LexiconTermError()
            if known is not None and item.category not in known:
                raise LexiconTermError()
            self._terms[(item.term, item.category)] = item
            exact.add_word(key, _Entry(item.term, item.category, "exact", len(key)))
            if item.category == ALLOW or not _CJK.match(key) or len(key) < 2:
                continue
            full = "".join(lazy_pinyin(key))
            spoken.add_word(full, _Entry(item.term, item.category, "pinyin", len(full)))
            if len(key) >= 3:
                letters = "".join(lazy_pinyin(key, style=Style.FIRST_LETTER))
                initials.setdefault(letters, _Entry(item.term, item.category, "initials", 0))
        self._exact = exact if len(exact) else None
        self._spoken = spoken if len(spoken) else None
        if self._exact is not None:
            self._exact.make_automaton()
        if self._spoken is not None:
            self._spoken.make_automaton()
        self._initials = initials

    @property
    def terms(self) -> list[LexiconTerm]:
        """Every term and allow phrase, in insertion order."""
        return list(self._terms.values())

    def __len__(self) -> int:
        return sum(1 for term, category in self._terms if category != ALLOW)

    @property
    def allow_count(self) -> int:
        """Number of allow-list phrases."""
        return sum(1 for _, category in self._terms if category == ALLOW)

    def scan(self, text: str) -> list[LexiconHit]:
        """Sensitive hits in ``text`` (allow-listed ones removed), in order of position.

        Args:
            text: Any text; it is folded internally (the caller's text is not changed).

        Returns:
            One :class:`LexiconHit` per match; empty when the text is clean.
        """
        skeleton = self._folder.skeleton(text)
        hits = self._scan_exact(skeleton)
        if self._spoken is not None and _HAS_LATIN.search(skeleton):
            hits.extend(self._scan_spoken(skeleton))
        return hits

    def scan_throughput(self, text: str) -> int:
        """Count exact hits without building result objects (benchmark path)."""
        if self._exact is None:
            return 0
        return sum(1 for _ in self._exact.iter(self._folder.skeleton(text)))

    def _scan_exact(self, skeleton: str) -> list[LexiconHit]:
        if self._exact is None:
            return []
        found: list[tuple[int, int, _Entry]] = [
            (end - entry.length + 1, end + 1, entry) for end, entry in self._exact.iter(skeleton)
        ]
        allowed = [(start, end) for start, end, entry in found if entry.category == ALLOW]
        return [
            LexiconHit(term=entry.term, category=entry.category)
            for start, end, entry in found
            if entry.category != ALLOW and not any(a <= start and end <= b for a, b in allowed)
        ]

    def _scan_spoken(self, skeleton: str) -> list[LexiconHit]:
        pieces: list[str] = []
        latin: list[bool] = []
        for char in skeleton:
            if "\u3400" <= char <= "\u9fff":
                syllable = lazy_pinyin(char)[0]
                pieces.append(syllable)
                latin.extend([False] * len(syllable))
            elif "a" <= char <= "z":
                pieces.append(char)
                latin.append(True)
        spoken = "".join(pieces)
        hits: list[LexiconHit] = []
        if self._spoken is not None:
            for end, entry in self._spoken.iter(spoken):
                if any(latin[end - entry.length + 1 : end + 1]):
                    hits.append(LexiconHit(term=entry.term, category=entry.category, via="pinyin"))
        for run in _LATIN_RUN.findall(skeleton):
            initial = self._initials.get(run)
            if initial is not None:
                hits.append(
                    LexiconHit(term=initial.term, category=initial.category, via="initials")
                )
        return hits
