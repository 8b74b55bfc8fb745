"""The composer interface: from a matter and the aspect asked, a :class:`Draft` with citations."""

from __future__ import annotations

from typing import Protocol

from guardrails.models import Draft
from knowledge.models import Aspect, Matter


class Composer(Protocol):
    """Writes the answer about ``aspect`` of ``matter``; every fact comes from the matter."""

    name: str

    async def compose(self, question: str, matter: Matter, aspect: Aspect) -> Draft:
        """Return a draft whose sources cite ``matter`` and the section used."""
        ...
