"""FastAPI dependencies of the assistant package, as ``Annotated`` aliases.

The :class:`~assistant.runtime.Runtime` is built in the app's lifespan and read from
``request.state``; handlers never reach for a global.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, from the lifespan state."""
    runtime: Runtime = request.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
