"""The sensitive lexicon: category-tagged terms matched with Aho-Corasick (pyahocorasick).

Matching runs on the :class:`~guardrails.folding.Folder` skeleton of the text, so full-width
forms, traditional characters, homoglyphs and symbols inserted between characters do not hide
a term (GB/T 47483 §9.4.1 a, b: keyword filtering). Latin letters in the text are also matched
against each term's pinyin (``falungong``, ``fa lun 功``), at syllable boundaries only (``damaged``
is not ``da ma``), and, for terms of three characters or more, its initials as a whole word
(``flg``).

Homophones written in characters alone (``发轮功``, ``法伦工`` for ``法轮功``; ``兵毒`` for
``冰毒``; ``买抢``, ``麦枪`` for ``买枪``) are matched on sound: the text and the terms become
strings of tone-free pinyin syllables, one code per syllable (:class:`~guardrails.folding.
Syllables`, pypinyin readings), so a match is always of whole syllables. One automaton pass over
those codes serves both paths: a match whose characters are the term's is an exact hit, any
other a homophone candidate. Sound-alike matches collide with ordinary words far more often than
exact ones, so the homophone path is narrower (:class:`HomophoneRules`, meant to be set by a
policy section ``lexicon.homophone``): terms of at least three syllables, two-syllable terms
only in the categories the policy names, one character kept as written below four syllables,
no very frequent character swapped into a two-syllable term; a match whose changed characters all
belong to ordinary words of jieba's dictionary (``病毒`` is not ``冰毒``, ``办家政`` is not
``办假证``) is dropped, and so is one inside an allow-listed phrase — written as such, or heard as
such when the phrase is longer than the match (``抢支持有许可``). Hits say ``via="homophone"``.

Allow-list phrases (``打击犯罪``, ``枪支持有许可``) live in the same automata; a sensitive hit
lying inside an allow hit is dropped, so legitimate government phrases pass.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import ahocorasick
import jieba
from pypinyin import lazy_pinyin

from guardrails.errors import LexiconTermError
from guardrails.folding import Folder, Syllables, syllables
from guardrails.models import LexiconHit, LexiconTerm
from guardrails.table_cache import file_bytes, load_or_build

ALLOW = "allow"
"""Category of allow-list phrases."""

DATA_DIR = Path(__file__).with_name("data")
_CJK = re.compile(r"^[\u3400-\u9fff]+$")
_LATIN_RUN = re.compile(r"[a-z]+")
_HAS_LATIN = re.compile(r"[a-z]")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff]+")
MAX_TERM_CHARS = 32


_MAX_SYLLABLE = 6  # "zhuang"
_WORD_SPAN = 4  # longest dictionary word used to explain a changed character
_WORD_MIN_COUNT = 5  # least jieba frequency count of such a word


@dataclass(frozen=True, slots=True)
class HomophoneRules:
    """Which terms are matched by sound (homophones written in characters).

    Attributes:
        enabled: False turns the homophone path off (exact, pinyin and initials stay).
        min_syllables: Terms of at least this many syllables are always matched by sound.
        two_syllable_categories: Categories whose two-syllable terms are matched by sound too
            (``冰毒`` → ``兵毒``).
        all_changed_min_syllables: A match that keeps no character of the term as written
            (``发伦工``) counts only for terms of at least this many syllables; shorter ones
            must keep one (``法伦工``, ``兵毒``), since three common syllables in a row meet
            by chance across words (``想把老房子`` sounds like ``乡巴佬``).
        common_chars: A two-syllable match whose changed character is one of this many most
            frequent characters (jieba's dictionary counts) is dropped: such a character is
            mostly its own word next to a kept one (``到号`` is not ``盗号``, ``面积大吗`` is not
            ``大麻``), while sound-alike spellings use rarer ones (``兵毒``, ``买抢``).

    Any iterable of categories is accepted (``HomophoneRules(**section)`` from a policy file's
    mapping works). Rule source: issue 3 (evasion, GB/T 47483 §9.4.1 a); defaults measured on
    the routing, scope, sample-matter and borderline sets with zero homophone false hits.
    """

    enabled: bool = True
    min_syllables: int = 3
    all_changed_min_syllables: int = 4
    common_chars: int = 200
    two_syllable_categories: Collection[str] = field(
        default_factory=lambda: frozenset({"illegal", "porn"})
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "two_syllable_categories", frozenset(self.two_syllable_categories))

    def covers(self, category: str, syllable_count: int) -> bool:
        """True when a term of ``category`` with ``syllable_count`` syllables is matched."""
        if not self.enabled or syllable_count < 2:
            return False
        if syllable_count >= self.min_syllables:
            return True
        return syllable_count == 2 and category in self.two_syllable_categories


@dataclass(frozen=True, slots=True)
class _Entry:
    term: str
    category: str
    via: str
    length: int
    written: str = ""
    heard: bool = False  # matched by sound too


def _jieba_dictionary() -> bytes:
    with jieba.get_dict_file() as handle:
        data: bytes = handle.read()
    return data


def _word_list_inputs(parameter: int) -> list[bytes]:
    """What a word list depends on: this module, jieba's dictionary and the parameter."""
    return [file_bytes(__file__), _jieba_dictionary(), str(parameter).encode()]


def _valid_words(value: object) -> bool:
    return isinstance(value, frozenset) and all(isinstance(w, str) for w in value)


@cache
def common_words(min_count: int = _WORD_MIN_COUNT) -> frozenset[str]:
    """Chinese words of two to four characters in jieba's bundled dictionary.

    Args:
        min_count: Least frequency count in the dictionary; rarer entries (``颠复``, ``洗前``)
            are left out so they cannot excuse a sound-alike spelling.

    Returns:
        About 120,000 words at the default count; loaded once per process (about 0.1 s, or
        from the table cache, :mod:`guardrails.table_cache`).
    """

    def build() -> frozenset[str]:
        data = _jieba_dictionary().decode("utf-8")
        return frozenset(
            word
            for word, count in re.findall(r"^([\u3400-\u9fff]{2,4}) (\d+)", data, re.MULTILINE)
            if int(count) >= min_count
        )

    return load_or_build("common-words", lambda: _word_list_inputs(min_count), build, _valid_words)


@cache
def frequent_chars(count: int) -> frozenset[str]:
    """The ``count`` most frequent Chinese characters by jieba's dictionary counts."""

    def build() -> frozenset[str]:
        data = _jieba_dictionary().decode("utf-8")
        ranked = sorted(
            ((int(n), char) for char, n in re.findall(r"^([\u4e00-\u9fff]) (\d+)", data, re.M)),
            reverse=True,
        )
        return frozenset(char for _, char in ranked[:count])

    return load_or_build("frequent-chars", lambda: _word_list_inputs(count), build, _valid_words)


@lru_cache(maxsize=4096)
def _segmentable(letters: str, known: frozenset[str]) -> bool:
    """True when ``letters`` splits into pinyin syllables (empty counts)."""
    ends = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        ends[end] = any(
            ends[start] and letters[start:end] in known
            for start in range(max(0, end - _MAX_SYLLABLE), end)
        )
    return ends[-1]


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
        lexicon.scan("哪里能买到兵毒")     # [LexiconHit(term="冰毒", ..., via="homophone")]
        lexicon.scan("禁毒宣传活动")       # [] (allow-listed)

    Terms of Chinese characters only are matched in one pass over the text's syllable codes
    (:meth:`~guardrails.folding.Syllables.encode`): a match whose characters are the term's is
    an exact hit, any other is a homophone candidate. Terms with other characters (``K粉``,
    ``ISIS``) have their own automaton, run only around the text's non-Chinese characters.

    Args:
        folder: Shared folding tables.
        terms: Sensitive terms and allow-list phrases (category :data:`ALLOW`).
        categories: Known sensitive categories; a term of another category raises.
        homophones: Which terms are also matched by sound; :class:`HomophoneRules` defaults
            when None (the policy's ``lexicon.homophone`` section sets them).

    Raises:
        LexiconTermError: A term is empty, longer than 32 characters, or of an unknown category.
    """

    def __init__(
        self,
        folder: Folder,
        terms: Iterable[LexiconTerm],
        categories: Iterable[str] | None = None,
        homophones: HomophoneRules | None = None,
    ) -> None:
        self._folder = folder
        self._sounds: Syllables = syllables()
        self._rules = homophones if homophones is not None else HomophoneRules()
        known = set(categories) | {ALLOW} if categories is not None else None
        self._terms: dict[tuple[str, str], LexiconTerm] = {}
        sounds: dict[str, list[_Entry]] = {}
        mixed: dict[str, list[_Entry]] = {}
        spoken: dict[str, list[_Entry]] = {}
        initials: dict[str, _Entry] = {}
        for item in terms:
            key = folder.skeleton(item.term)
            if not key or len(item.term) > MAX_TERM_CHARS:
                raise LexiconTermError()
            if known is not None and item.category not in known:
                raise LexiconTermError()
            self._terms[(item.term, item.category)] = item
            if not _CJK.match(key):
                mixed.setdefault(key, []).append(
                    _Entry(item.term, item.category, "exact", len(key))
                )
                continue
            allow = item.category == ALLOW
            # allow phrases are heard too, but only a longer one can hold a (two-syllable) hit
            heard = len(key) >= 3 if allow else self._rules.covers(item.category, len(key))
            entry = _Entry(item.term, item.category, "exact", len(key), key, heard)
            coded = self._sounds.encode(key)  # how the text reads: each character alone
            sounds.setdefault(coded, []).append(entry)
            if len(key) < 2:
                continue
            readings = lazy_pinyin(key)
            if len(readings) != len(key):  # a character without a reading stands for itself
                readings = self._sounds.spell(coded)
            in_context = self._sounds.encode_readings(readings)  # 六合彩: liu he cai
            if heard and in_context != coded:
                sounds.setdefault(in_context, []).append(entry)
            full = "".join(readings)
            spoken.setdefault(full, []).append(
                _Entry(item.term, item.category, "pinyin", len(full), key)
            )
            if not allow and len(key) >= 3:
                letters = "".join(reading[0] for reading in readings)
                initials.setdefault(letters, _Entry(item.term, item.category, "initials", 0))
        self._sound = _automaton(sounds, any_entry=True)
        self._mixed = _automaton(mixed, any_entry=True)
        self._spoken = _automaton(spoken)
        self._initials = initials
        self._words = common_words()
        self._frequent = frequent_chars(self._rules.common_chars)

    @property
    def terms(self) -> list[LexiconTerm]:
        """Every term and allow phrase, in insertion order."""
        return list(self._terms.values())

    def source_of(self, term: str, category: str) -> str:
        """Where ``term`` of ``category`` came from: ``bundled`` (or unknown), ``reviewer``."""
        item = self._terms.get((term, category))
        return item.source if item is not None else "bundled"

    def __len__(self) -> int:
        return sum(1 for term, category in self._terms if category != ALLOW)

    @property
    def allow_count(self) -> int:
        """Number of allow-list phrases."""
        return sum(1 for _, category in self._terms if category == ALLOW)

    @property
    def homophones(self) -> HomophoneRules:
        """The rules of the homophone path in force."""
        return self._rules

    def scan(self, text: str) -> list[LexiconHit]:
        """Sensitive hits in ``text`` (allow-listed ones removed).

        Exact hits come first, in order of position, then pinyin and initials hits (Latin
        letters in the text), then homophone hits (``via="homophone"``: the text *sounds like*
        the term; a written-out term is never reported twice).

        Args:
            text: Any text; it is folded internally (the caller's text is not changed).

        Returns:
            One :class:`LexiconHit` per match; empty when the text is clean.
        """
        skeleton = self._folder.skeleton(text)
        exact: list[tuple[int, int, _Entry]] = []
        heard: list[tuple[int, int, _Entry]] = []
        allowed = _Spans()
        heard_allowed = _Spans()
        if self._sound is not None:
            for end, entries in self._sound.iter(self._sounds.encode(skeleton)):
                start = end + 1 - entries[0].length
                written = skeleton[start : end + 1]
                for entry in entries:
                    if written == entry.written:
                        exact.append((start, end + 1, entry))
                    elif entry.heard:
                        heard.append((start, end + 1, entry))
        if self._mixed is not None:
            exact.extend(self._scan_mixed(skeleton))
            exact.sort(key=lambda found: found[0])
        for start, end, entry in exact:
            if entry.category == ALLOW:
                allowed.add(start, end)
        hits = [
            LexiconHit(term=entry.term, category=entry.category)
            for start, end, entry in exact
            if entry.category != ALLOW and not allowed.holds(start, end)
        ]
        if self._spoken is not None and _HAS_LATIN.search(skeleton):
            hits.extend(self._scan_spoken(text, skeleton))
        if heard:
            for start, end, entry in heard:
                if entry.category == ALLOW:
                    heard_allowed.add(start, end)
            hits.extend(self._homophone_hits(skeleton, heard, allowed, heard_allowed))
        return hits

    def scan_throughput(self, text: str) -> int:
        """Count raw matches without building results (benchmark path).

        The same automaton passes as :meth:`scan` (syllable codes, and the mixed terms around
        non-Chinese characters); the per-match checks are not timed here.
        """
        skeleton = self._folder.skeleton(text)
        count = 0
        if self._sound is not None:
            count += sum(1 for _ in self._sound.iter(self._sounds.encode(skeleton)))
        if self._mixed is not None:
            count += len(self._scan_mixed(skeleton))
        return count

    def _scan_mixed(self, skeleton: str) -> list[tuple[int, int, _Entry]]:
        """Exact matches of terms with non-Chinese characters, looked for only around them."""
        assert self._mixed is not None
        found: list[tuple[int, int, _Entry]] = []
        windows: list[list[int]] = []
        for match in _NOT_CJK.finditer(skeleton):
            left = max(0, match.start() - MAX_TERM_CHARS + 1)
            right = min(len(skeleton), match.end() + MAX_TERM_CHARS - 1)
            if windows and left <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], right)
            else:
                windows.append([left, right])
        for left, right in windows:
            for end, entries in self._mixed.iter(skeleton, left, right):
                for entry in entries:
                    found.append((end + 1 - entry.length, end + 1, entry))
        return found

    def _scan_spoken(self, text: str, skeleton: str) -> list[LexiconHit]:
        pieces: list[str] = []
        latin: list[bool] = []
        cuts: set[int] = {0}  # positions in the spoken string where a syllable may start
        runs: list[tuple[int, int, int]] = []  # (spoken start, end, skeleton start) of Latin runs
        for index, (char, code) in enumerate(
            zip(skeleton, self._sounds.encode(skeleton), strict=True)
        ):
            at = len(latin)
            if self._sounds.is_code(code):
                syllable = self._sounds.spell(code)[0]
                pieces.append(syllable)
                latin.extend([False] * len(syllable))
                cuts.update((at, at + len(syllable)))
            elif "a" <= char <= "z":
                if index and "a" <= skeleton[index - 1] <= "z":
                    runs[-1] = (runs[-1][0], at + 1, runs[-1][2])
                else:
                    runs.append((at, at + 1, index))
                pieces.append(char)
                latin.append(True)
            else:
                cuts.add(at)
        spoken = "".join(pieces)
        cuts.add(len(spoken))
        gaps: list[bool] | None = None
        hits: list[LexiconHit] = []
        found: list[tuple[int, int, _Entry]] = []
        allowed = _Spans()
        for end, entries in self._spoken.iter(spoken) if self._spoken is not None else ():
            start = end - entries[0].length + 1
            if not any(latin[start : end + 1]):
                continue  # characters only: the homophone path's business
            for edge in (start, end + 1):
                if edge not in cuts:
                    if gaps is None:
                        gaps = self._folder.gaps(text)
                    if self._latin_cut(spoken, edge, runs, gaps):
                        cuts.add(edge)
            if start not in cuts or end + 1 not in cuts:
                continue  # not at syllable boundaries: "damaged" is not "da ma"
            for entry in entries:
                if entry.category == ALLOW:
                    allowed.add(start, end + 1)
                else:
                    found.append((start, end + 1, entry))
        for start, end, entry in found:
            if not allowed.holds(start, end, longer=True):
                hits.append(LexiconHit(term=entry.term, category=entry.category, via="pinyin"))
        for run in _LATIN_RUN.findall(skeleton):
            initial = self._initials.get(run)
            if initial is not None:
                hits.append(
                    LexiconHit(term=initial.term, category=initial.category, via="initials")
                )
        return hits

    def _latin_cut(
        self, spoken: str, edge: int, runs: list[tuple[int, int, int]], gaps: list[bool]
    ) -> bool:
        """True when a syllable may start at ``edge`` inside a Latin run.

        That is so at a gap in the text (``mai bingdu``) or where the whole run splits into
        pinyin syllables with a cut there (``maibingdu``), not inside a word (``damaged``).
        """
        for start, end, skeleton_start in runs:
            if start < edge < end:
                if gaps[skeleton_start + edge - start]:
                    return True
                known = self._sounds.known
                return _segmentable(spoken[start:edge], known) and _segmentable(
                    spoken[edge:end], known
                )
        return False

    def _homophone_hits(
        self,
        skeleton: str,
        heard: list[tuple[int, int, _Entry]],
        allowed: _Spans,
        heard_allowed: _Spans,
    ) -> list[LexiconHit]:
        """Homophone candidates that pass :class:`HomophoneRules`, the allow-list and words."""
        hits: list[LexiconHit] = []
        seen: set[tuple[str, str]] = set()
        for start, end, entry in heard:
            if entry.category == ALLOW or (entry.term, entry.category) in seen:
                continue
            if allowed.holds(start, end) or heard_allowed.holds(start, end, longer=True):
                continue
            written = skeleton[start:end]
            changed = [x for x, y in zip(written, entry.written, strict=True) if x != y]
            if len(changed) == entry.length < self._rules.all_changed_min_syllables:
                continue
            if entry.length == 2 and self._frequent.intersection(changed):
                continue
            if self._ordinary(skeleton, start, entry.written):
                continue
            seen.add((entry.term, entry.category))
            hits.append(LexiconHit(term=entry.term, category=entry.category, via="homophone"))
        return hits

    def _ordinary(self, skeleton: str, start: int, term: str) -> bool:
        """True when every changed character of a match is part of an ordinary word.

        A changed character is explained by a word of jieba's dictionary (two to four
        characters, :func:`common_words`) that contains it and that

        * is the whole match (``病毒`` for ``冰毒``);
        * stands where the term has a word too (``办家政``: ``家政`` where ``办假证`` has
          ``假证``) — a word across the term's own words does not explain (``颠复国家政权``:
          ``复国`` stands on ``覆国``);
        * reaches outside the match, when what it leaves of the match is one character or a
          word (``买抢购``, ``国家政策`` for ``假政策``) — not otherwise (``一下发轮功``: ``下发``
          leaves ``轮功``).
        """
        words = self._words
        size, end = len(skeleton), start + len(term)
        for offset, wanted in enumerate(term):
            at = start + offset
            if skeleton[at] == wanted:
                continue
            explained = False
            for left in range(max(0, at - _WORD_SPAN + 1), at + 1):
                for right in range(max(at + 1, left + 2), min(size, left + _WORD_SPAN) + 1):
                    if skeleton[left:right] not in words:
                        continue
                    if left < start or right > end:
                        rest = skeleton[max(start, right) : end] if left < start else ""
                        rest += skeleton[start : min(end, left)] if right > end else ""
                        explained = len(rest) <= 1 or rest in words
                    else:
                        explained = (left, right) == (start, end) or (
                            term[left - start : right - start] in words
                        )
                    if explained:
                        break
                if explained:
                    break
            if not explained:
                return False
        return True


class _Spans:
    """Allow-listed spans, for "does one hold this match?" in a few dict look-ups."""

    def __init__(self) -> None:
        self._ends: dict[int, int] = {}

    def add(self, start: int, end: int) -> None:
        """Record the span ``[start, end)``."""
        if self._ends.get(start, -1) < end:
            self._ends[start] = end

    def holds(self, start: int, end: int, *, longer: bool = False) -> bool:
        """True when a recorded span contains ``[start, end)`` (and is longer, if asked)."""
        ends = self._ends
        if not ends:
            return False
        for left in range(max(0, end - MAX_TERM_CHARS), start + 1):
            right = ends.get(left)
            if right is not None and right >= end and (not longer or right - left > end - start):
                return True
        return False


def _automaton(
    keys: dict[str, list[_Entry]], *, any_entry: bool = False
) -> ahocorasick.Automaton | None:
    """An automaton of ``keys`` (values: tuples of entries).

    None when there is nothing to match: no key at all, or (unless ``any_entry``) no sensitive
    entry.
    """
    if not keys or not (
        any_entry or any(e.category != ALLOW for entries in keys.values() for e in entries)
    ):
        return None
    automaton = ahocorasick.Automaton()
    for key, entries in keys.items():
        automaton.add_word(key, tuple(entries))
    automaton.make_automaton()
    return automaton
