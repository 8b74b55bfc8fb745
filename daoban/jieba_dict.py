"""jieba's default dictionary, loaded from jieba's own cache file in one read.

``jieba.initialize()`` unmarshals its prefix-dictionary cache (``jieba.cache`` in the temporary
folder, about 9 MB, half a million entries) with ``marshal.load`` on an open file, which reads
it in small pieces: about 0.5 s of CPU at every start. :func:`load_default_dictionary` reads the
same file into memory first and unmarshals the bytes (about 0.17 s), then marks jieba's default
tokenizer initialised, exactly as jieba would have. Anything unexpected — another dictionary
configured, no cache file yet, a truncated or foreign file — is left to ``jieba.initialize()``,
which builds the dictionary from its text file and rewrites the cache.
"""

from __future__ import annotations

import logging
import marshal
import os
import tempfile

import jieba

logger = logging.getLogger(__name__)


def _cache_path(tokenizer: jieba.Tokenizer) -> str | None:
    """The cache file jieba itself reads for ``tokenizer``'s default dictionary, or None.

    None when the tokenizer uses another dictionary (jieba then keys its cache by that
    dictionary's path and modification time: left to jieba).
    """
    if tokenizer.dictionary != jieba.DEFAULT_DICT:
        return None
    name = tokenizer.cache_file or "jieba.cache"
    return os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), name)


def _read_cache(path: str) -> tuple[dict[str, int], int] | None:
    """``(FREQ, total)`` from jieba's cache file, or None when absent or not jieba's shape."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        loaded = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError) as exc:
        logger.info("jieba cache not read, jieba rebuilds it", extra={"error": type(exc).__name__})
        return None
    if (
        not isinstance(loaded, tuple)
        or len(loaded) != 2
        or not isinstance(loaded[0], dict)
        or not loaded[0]
        or isinstance(loaded[1], bool)
        or not isinstance(loaded[1], int)
    ):
        logger.info("jieba cache has an unexpected shape, jieba rebuilds it")
        return None
    return loaded[0], loaded[1]


def load_default_dictionary(tokenizer: jieba.Tokenizer | None = None) -> None:
    """Initialise ``tokenizer`` (default ``jieba.dt``) once, from jieba's cache when valid.

    Idempotent and thread-safe (the tokenizer's own lock). Falls back to
    ``tokenizer.initialize()``, which builds the dictionary from jieba's ``dict.txt`` and
    rewrites the cache, whenever the cache cannot be used. Raises what ``initialize`` raises.
    """
    tokenizer = tokenizer if tokenizer is not None else jieba.dt
    if tokenizer.initialized:
        return
    with tokenizer.lock:
        if tokenizer.initialized:
            return
        path = _cache_path(tokenizer)
        loaded = _read_cache(path) if path is not None and os.path.isfile(path) else None
        if loaded is not None:
            tokenizer.FREQ, tokenizer.total = loaded
            tokenizer.initialized = True
            return
    tokenizer.initialize()
