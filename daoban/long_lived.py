"""Build a command's long-lived state without the cyclic garbage collector rescanning it.

A command's start-up creates a few million objects that live until the process ends (jieba's
and pypinyin's dictionaries, the folding tables, the retrieval index, the classifiers, the
modules themselves). While they are being created, CPython's generational collector runs its
full collection again and again over everything allocated so far, and at exit it traverses
them all once more: about 1.1 s of the 4.5 s of CPU ``daoban ask`` took, for almost no
garbage (about 1,400 unreachable objects over the whole start-up).

:func:`long_lived` turns the collector off while the state is built, then moves everything
built to the permanent generation (:func:`gc.freeze`, the CPython mechanism for exactly this)
and turns the collector back on: the command's own allocations are collected as usual and the
frozen state is not rescanned. :func:`release_at_exit`, when the command ends, puts the frozen
objects back under the collector (a process that goes on, such as a test run calling the
command in process, collects them as before) and freezes everything again just before the
interpreter's final collection, which then has nothing to traverse. Nothing computed changes.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_exit_freeze_registered = False


@contextmanager
def long_lived() -> Iterator[None]:
    """Run the block with the cyclic collector off, then freeze what exists and turn it on.

    The collector is turned back on only if it was on when the block started. Use it around
    building state that lives as long as the command (its runtime), not around per-request
    work; call :func:`release_at_exit` when the command ends.

    Usage example::

        with long_lived():
            runtime = services.runtime()
        ...                       # answer with runtime
        release_at_exit()
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def release_at_exit() -> None:
    """Put frozen objects back under the collector; freeze all just before the interpreter ends.

    Idempotent: the freeze at exit is registered once per process.
    """
    global _exit_freeze_registered
    gc.unfreeze()
    if not _exit_freeze_registered:
        atexit.register(gc.freeze)
        _exit_freeze_registered = True
