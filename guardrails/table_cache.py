"""Character tables the guard derives from its libraries' data, kept on disk between starts.

The folding tables (:class:`~guardrails.folding.Folder`: NFKC, zhconv, homoglyphs over the
whole BMP), the pinyin syllable codes (:class:`~guardrails.folding.Syllables`: pypinyin for
every Chinese character) and the lexicon's word lists from jieba's dictionary
(:func:`~guardrails.lexicon.common_words`, :func:`~guardrails.lexicon.frequent_chars`) are
pure functions of the code that builds them and of their libraries' data, and cost about
0.3 s of CPU at every start to build. :func:`load_or_build` keeps each in a ``marshal`` file
named by a sha256 digest of everything it depends on — the building module's source, the data
files' bytes, the Python and Unicode versions — so a change to any of them builds afresh under a
new name. A file that cannot be read, is not ``marshal`` or fails the table's own shape check
is rebuilt and rewritten; a folder that cannot be written only means building every time.

Off unless a folder is given (:func:`use_directory`): the CLI gives the guardrails cache
folder (``guardrails.topic_cache_dir``, default ``var/cache/guardrails``).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

FORMAT = b"daoban-table-cache-1"
"""Bump when the file layout changes (every key changes with it)."""

_directory: Path | None = None


def use_directory(directory: Path | None) -> None:
    """Keep tables in ``directory`` from now on in this process (None: build every time)."""
    global _directory
    _directory = directory


def directory() -> Path | None:
    """The folder tables are kept in, or None when off."""
    return _directory


def file_bytes(path: str | Path) -> bytes:
    """The bytes of a data file a table depends on (empty when it cannot be read)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def table_key(name: str, inputs: Iterable[bytes | str]) -> str:
    """sha256 (hex) of the table's name, the format, Python and Unicode versions and inputs."""
    digest = hashlib.sha256(FORMAT)
    platform = f"{name}|{sys.version_info[:2]}|{unicodedata.unidata_version}"
    digest.update(hashlib.sha256(platform.encode()).digest())
    for item in inputs:
        data = item.encode() if isinstance(item, str) else item
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def load_or_build(
    name: str,
    inputs: Callable[[], Iterable[bytes | str]],
    build: Callable[[], T],
    valid: Callable[[Any], bool],
) -> T:
    """The table ``name`` from the cache folder when present and ``valid``, else ``build()``.

    Args:
        name: File name prefix (``folder``, ``syllables``, ...).
        inputs: Returns everything the table depends on (module source, data file bytes,
            parameters); called only when the cache is on.
        build: Builds the table; its value must be ``marshal``-able (str, int, None, tuple,
            list, dict, frozenset).
        valid: Shape check of a loaded value; False rebuilds.

    Returns:
        The table (a freshly built one is written to the folder for the next start).
    """
    folder = _directory
    if folder is None:
        return build()
    path = folder / f"{name}-{table_key(name, inputs())[:24]}.marshal"
    try:
        loaded = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        loaded = None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        logger.info("table cache unreadable, rebuilt", extra={"table": name, "error": str(exc)})
        loaded = None
    if loaded is not None:
        if valid(loaded):
            return loaded  # type: ignore[no-any-return]
        logger.info("table cache of the wrong shape, rebuilt", extra={"table": name})
    value = build()
    _write(path, value)
    return value


def _write(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` atomically (a temporary file, then a rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                marshal.dump(value, out)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, ValueError) as exc:
        logger.info("table cache not written", extra={"table": path.name, "error": str(exc)})
