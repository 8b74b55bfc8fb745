"""The domain thesaurus: colloquial ↔ official terms, life events, an English glossary.

A region's catalogue names matters in official words (社会保险, 机动车驾驶证, 最低生活保障);
citizens say 社保, 驾照, 低保, describe a life event (家里老人走了) or ask in English. The
thesaurus is a versioned data file (:data:`BUNDLED_THESAURUS`, YAML; editors extend it) and is
applied when the index is built: :meth:`Thesaurus.expand` reads a matter's official text and
returns the words citizens use for it, which the retriever indexes beside the matter's own
names. Applying it at index time serves every matter of every region with no per-matter
aliases, and costs nothing per question.

Matching uses Aho–Corasick automata (pyahocorasick) over the official terms, so expanding
10,000 matters against hundreds of entries is one pass over each matter's text.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field

from daoban.yaml_text import load_yaml
from knowledge.models import Matter
from knowledge.text import normalize

BUNDLED_THESAURUS = Path(__file__).parent / "data" / "thesaurus.yaml"
"""The thesaurus shipped with daoban (general domain knowledge, not tuned to any test set)."""


class TermEntry(BaseModel):
    """An official term and the colloquial words for it.

    Applied from official to colloquial only: a catalogue's official wording is
    unambiguous, while a short colloquial word inside an alias (改名 in 房产证改名) may mean
    something else.
    """

    model_config = ConfigDict(frozen=True)

    official: str = Field(min_length=1)
    colloquial: list[str] = Field(min_length=1)


class LifeEvent(BaseModel):
    """A life event: how citizens describe it, and words of the matters it brings."""

    model_config = ConfigDict(frozen=True)

    event: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)
    matters: list[str] = Field(min_length=1)


class GlossaryEntry(BaseModel):
    """English words and the official Chinese words they translate."""

    model_config = ConfigDict(frozen=True)

    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)


class Expansion(BaseModel):
    """What the thesaurus adds to one matter; every list is free of repeats, in file order."""

    model_config = ConfigDict(frozen=True)

    terms: list[str] = Field(default_factory=list, description="Synonyms of words in its names")
    situations: list[str] = Field(
        default_factory=list, description="Life-event phrases that lead to it"
    )
    english: list[str] = Field(default_factory=list, description="English glossary words")

    def is_empty(self) -> bool:
        """True when nothing was added."""
        return not (self.terms or self.situations or self.english)


def _automaton(keys: dict[str, list[int]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, entries in keys.items():
        automaton.add_word(key, entries)
    if keys:
        automaton.make_automaton()
    return automaton


def _hits(automaton: ahocorasick.Automaton, text: str) -> list[int]:
    """Entry numbers whose keys occur in ``text``, in order of first occurrence."""
    if not text or automaton.kind != ahocorasick.AHOCORASICK:
        return []
    found: dict[int, None] = {}
    for _end, entries in automaton.iter(text):
        for entry in entries:
            found.setdefault(entry, None)
    return list(found)


def _unique(items: list[str], exclude: str = "") -> list[str]:
    return [item for item in dict.fromkeys(items) if item and item not in exclude]


class Thesaurus(BaseModel):
    """The parsed thesaurus file.

    Usage example::

        thesaurus = Thesaurus.load()                 # the bundled file
        thesaurus.expand(matter).terms               # ["社保", ...] for 社会保险 matters
    """

    model_config = ConfigDict(frozen=True)

    version: int = 1
    terms: list[TermEntry] = Field(default_factory=list)
    life_events: list[LifeEvent] = Field(default_factory=list)
    english: list[GlossaryEntry] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None = None) -> Thesaurus:
        """Read and validate a thesaurus YAML file (the bundled one by default).

        Raises:
            OSError: the file cannot be read.
            yaml.YAMLError, pydantic.ValidationError: the file is not a valid thesaurus.
        """
        data = load_yaml((path or BUNDLED_THESAURUS).read_text(encoding="utf-8"))
        return cls.model_validate(data or {})

    # Automata are built once per thesaurus (cached on the frozen instance).

    @cached_property
    def _term_automaton(self) -> ahocorasick.Automaton:
        keys: dict[str, list[int]] = {}
        for number, entry in enumerate(self.terms):
            keys.setdefault(normalize(entry.official), []).append(number)
        return _automaton(keys)

    @cached_property
    def _event_automaton(self) -> ahocorasick.Automaton:
        keys: dict[str, list[int]] = {}
        for number, event in enumerate(self.life_events):
            for key in event.matters:
                keys.setdefault(normalize(key), []).append(number)
        return _automaton(keys)

    @cached_property
    def _glossary_automaton(self) -> ahocorasick.Automaton:
        keys: dict[str, list[int]] = {}
        for number, entry in enumerate(self.english):
            for key in entry.zh:
                keys.setdefault(normalize(key), []).append(number)
        return _automaton(keys)

    @cached_property
    def _english_patterns(self) -> list[re.Pattern[str] | None]:
        """Per glossary entry, one alternation of its English phrases as whole words."""
        patterns: list[re.Pattern[str] | None] = []
        for entry in self.english:
            phrases = [re.escape(normalize(w)) for w in entry.en if w.strip()]
            patterns.append(re.compile(r"\b(?:" + "|".join(phrases) + r")\b") if phrases else None)
        return patterns

    def gloss(self, text: str) -> list[str]:
        """The official Chinese words of the glossary entries whose English ``text`` says.

        An entry matches when one of its English phrases occurs in ``text`` as whole words
        (case-insensitive); each matching entry gives its first Chinese word, once, in file
        order: "How do I renew my passport?" → ["护照", "换发"]. The retriever embeds these
        words beside an English question, so the multilingual model also compares the
        question's gist in Chinese with the Chinese catalogue (English questions "through
        the multilingual model plus a glossary of government terms"). Empty when none match.
        """
        said = normalize(text)
        words = [
            entry.zh[0]
            for entry, pattern in zip(self.english, self._english_patterns, strict=True)
            if pattern is not None and pattern.search(said)
        ]
        return _unique(words)

    def expand(self, matter: Matter) -> Expansion:
        """The words citizens use for ``matter``, from its names and themes.

        Terms: the colloquial words of every entry whose official term occurs in the
        matter's names or themes. Situations: the phrases of every life event one of
        whose matter words occurs in its names. English: the glossary words of every entry
        whose Chinese occurs in its names.
        """
        names = normalize(" ".join(matter.names))
        named = normalize(" ".join([*matter.names, *matter.themes]))
        terms: list[str] = []
        for number in _hits(self._term_automaton, named):
            entry = self.terms[number]
            terms.extend(entry.colloquial)
        situations: list[str] = []
        for number in _hits(self._event_automaton, names):
            situations.extend(self.life_events[number].phrases)
        english: list[str] = []
        for number in _hits(self._glossary_automaton, names):
            english.extend(self.english[number].en)
        return Expansion(
            terms=_unique(terms, exclude=names),
            situations=_unique(situations),
            english=_unique(english),
        )
