"""HTTP interface of the digital-human scripts: ``GET /v1/matters/{code}/script`` (§7.6 b)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from assistant.deps import RuntimeDep
from assistant.digital_human import Script, script_for_matter, to_ssml
from knowledge.errors import MatterNotFoundError
from speech.models import Pace

router = APIRouter(prefix="/v1", tags=["digital-human"])


@router.get("/matters/{code}/script", response_model=Script,
            responses={200: {"content": {"application/ssml+xml": {}}}})
async def matter_script(
    code: str,
    runtime: RuntimeDep,
    pace: Annotated[Pace, Query(description="standard or elderly (§7.4 e)")] = Pace.STANDARD,
    fmt: Annotated[str, Query(alias="format", pattern="^(json|ssml)$")] = "json",
) -> Script | Response:
    """The presenter script of a matter, as JSON segments or one SSML document.

    Read from the published catalogue the answers use (the retriever's snapshot), so a draft
    or retired matter is never presented; unknown or unpublished codes are 404.
    """
    matter = runtime.retriever.matter(code)
    if matter is None:
        raise MatterNotFoundError
    script = script_for_matter(matter, pace)
    if fmt == "ssml":
        return Response(to_ssml(script), media_type="application/ssml+xml")
    return script
