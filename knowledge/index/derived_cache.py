"""What each matter contributes to the lexical index, kept on the node's disk between starts.

Deriving a matter's index terms (jieba tokens, character bigrams, folded pinyin of its names,
situations and body, thesaurus applied) costs about 7 ms a matter on these machines: over a
second for the 157 sample matters, a quarter of a minute for a province's 2,000+, paid by every
worker at every start. :class:`HybridRetriever` already keeps the derived terms in memory under
each matter's content fingerprint, so a publish re-derives only what changed; this cache keeps
that map in one file per node, so a restart or another worker on the node loads it in
milliseconds instead (issue 12: heavy work once per node, not per worker).

The file name is a sha256 of the code that derives (the given modules' source) and of the
thesaurus: changing either starts a fresh file. The file records a digest of the tokenizer's
extra words (the catalogue's names) and is used only under the same words; entries are looked
up by the matter fingerprint, so a changed matter is derived again. Files are pickles: keep the
folder one only the service writes (like ``var/snapshots``). A publish rewrites the file only
when the dictionary words changed or many matters were derived since it was written
(:meth:`DerivedTermsCache.keep`): at 10,000 matters the file is some 70 MB and takes seconds.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import pickle
from pathlib import Path
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)

KEEP_FILES = 4
"""Derived-term files kept per folder (the newest)."""

UNSAVED_LIMIT = 100
"""Matters derived since the file was last written that a rebuild may leave unsaved (under
the same dictionary words): a restart derives them again in well under a second, while
writing the file costs seconds at 10,000 matters (a 70 MB pickle), too much for every publish."""


class DerivedTermsCache:
    """One pickle of ``{matter fingerprint: derived terms}`` per code and thesaurus version.

    Args:
        directory: The node's cache folder (created on first save).
        modules: The modules whose source decides the derived terms.
        salt: Anything else they depend on (the thesaurus file's bytes).
    """

    def __init__(self, directory: Path, modules: list[ModuleType], salt: bytes = b"") -> None:
        digest = hashlib.sha256(salt)
        for module in modules:
            try:
                digest.update(inspect.getsource(module).encode())
            except (OSError, TypeError):
                digest.update(module.__name__.encode())
        self.path = directory / f"derived-{digest.hexdigest()[:24]}.pkl"
        self._words: str | None = None  # dictionary digest of the map last loaded or saved
        self._unsaved = 0  # matters derived since then

    def keep(self, derived: dict[Any, Any], words: str, fresh: int) -> bool:
        """Note ``fresh`` newly derived matters of ``derived``; write the file when it is due.

        Due when the dictionary ``words`` changed since the file was loaded or written (the
        file would not be used under them) or more than :data:`UNSAVED_LIMIT` matters were
        derived since. A publish of one matter with unchanged words does not rewrite a
        province's file. Returns whether the file was written.
        """
        self._unsaved += fresh
        if words == self._words and self._unsaved <= UNSAVED_LIMIT:
            return False
        self.save(derived, words)
        return True

    def load(self, words: str) -> dict[Any, Any]:
        """The saved map if it was derived with the dictionary ``words`` (a digest), else ``{}``.

        The matters' terms depend on the tokenizer's extra words (every matter's names): a map
        derived under another catalogue's words is not reused. A missing or unreadable file
        (logged) also gives an empty map.
        """
        if not self.path.is_file():
            return {}
        try:
            with self.path.open("rb") as handle:
                data = pickle.load(handle)  # noqa: S301 - the service's own cache folder
        except Exception as exc:  # noqa: BLE001 - a damaged cache is derived again
            logger.warning(
                "derived index terms unreadable, deriving again (%s)", type(exc).__name__
            )
            return {}
        if not isinstance(data, dict) or data.get("words") != words:
            return {}
        derived = data.get("derived")
        if not isinstance(derived, dict):
            return {}
        self._words, self._unsaved = words, 0
        return derived

    def save(self, derived: dict[Any, Any], words: str) -> None:
        """Write ``derived`` (derived with the dictionary ``words``) atomically.

        An unwritable folder is logged, never raised.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                payload = {"words": words, "derived": derived}
                pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
            self._words, self._unsaved = words, 0
            older = sorted(self.path.parent.glob("derived-*.pkl"), key=lambda p: p.stat().st_mtime)
            for stale in older[:-KEEP_FILES]:
                stale.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("derived index terms not saved (%s)", type(exc).__name__)
