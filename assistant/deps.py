"""FastAPI dependencies of the assistant package, as ``Annotated`` aliases.

The :class:`~assistant.runtime.Runtime` is built in the app's lifespan and read from
``request.state``; handlers never reach for a global.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime, from the lifespan state.

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a
    thread hop per request for a dictionary lookup.
    """
    runtime: Runtime = request.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
