"""Give the C allocator's free memory back to the system after a large rebuild.

Indexing a catalogue allocates and frees hundreds of thousands of small blocks (jieba tokens,
pinyin keys, term lists of the matters derived, the previous index's arrays once the new one is
swapped in). CPython returns what it frees to the C allocator, and glibc's allocator keeps the
free pages in its heap for later use: the service's resident memory stays at its peak after a
rebuild. :func:`release_free_memory` asks glibc to return those pages (``malloc_trim(0)``):
measured at 10,000 grown matters (semantic channel off), 892 → 841 MB after the index build.
Nothing the process holds changes; elsewhere than on glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
from typing import Any

logger = logging.getLogger(__name__)


@functools.cache
def _glibc() -> Any:
    """The C library (glibc) through ctypes, or None (another C library or platform)."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
        trim = library.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return library


def release_free_memory() -> bool:
    """Return the C allocator's free heap pages to the system (glibc ``malloc_trim(0)``).

    Call after large, temporary allocations (an index rebuild), not per request: it walks the
    heap (milliseconds at hundreds of MB). Returns whether glibc released any memory; False
    where there is no glibc. Never raises.
    """
    library = _glibc()
    if library is None:
        return False
    return bool(library.malloc_trim(0))
