"""The pre-publish check of matter text (GB/T 47483 §9.4.1 a, d).

Every text element of a matter is checked, and each finding names the element (field path):

* **markup** (``<script>``, any HTML tag, ``javascript:``) — blocks: matter text is plain
  text shown and spoken on a kiosk;
* **personal data** (ID number, mobile phone, bank card, passport, travel permit,
  social-security number) — blocks: a guide must never carry a citizen's data. Office
  landlines and addresses are a guide's normal content and pass. A person's *name* is
  flagged to the publisher, not blocked: the name recognizer is tuned for citizens' questions
  and fires on guide wording (孩子满十六岁换证, 监护人向乡镇提出申请, …) in 14 of the 157
  sample matters;
* **injected instructions** (text addressed to the assistant) — blocks;
* **sensitive terms** of the reviewers' lexicon — *flag*: the publisher sees them and decides,
  since a legitimate guide may need such a word.

Findings carry reason codes and field paths only, never the text found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from guardrails.models import PiiSpan, PiiType, RailVerdict
from knowledge.models import MatterContent

MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

BLOCKING_PII = frozenset(
    {
        PiiType.ID_NUMBER,
        PiiType.BANK_CARD,
        PiiType.PASSPORT,
        PiiType.TRAVEL_PERMIT,
        PiiType.SOCIAL_SECURITY,
    }
)
"""Personal-data types that block a guide (a mobile phone too, see :func:`_personal`)."""

_ASCII_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class TextScanner(Protocol):
    """What the check needs of the guardrails (:class:`guardrails.policy.MatterScanner`)."""

    def detect_pii(self, text: str) -> list[PiiSpan]:
        """Personal-data spans of ``text``."""
        ...

    def scan_matter_text(self, texts: list[str]) -> list[RailVerdict]:
        """Lexicon and injection verdicts over ``texts``."""
        ...


class Finding(BaseModel):
    """One problem in one element: ``blocking`` findings stop a save or a publish."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Element path, e.g. materials.0.notes")
    reason: str = Field(description="markup, pii.<type>, injection, safety.<category>")
    blocking: bool


class ContentReport(BaseModel):
    """All findings of one matter."""

    model_config = ConfigDict(frozen=True)

    findings: list[Finding] = Field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        """Findings that block."""
        return [f for f in self.findings if f.blocking]

    @property
    def flags(self) -> list[Finding]:
        """Findings shown to the publisher (sensitive terms)."""
        return [f for f in self.findings if not f.blocking]


def texts_of(content: MatterContent) -> Iterator[tuple[str, str]]:
    """(field path, text) of every free-text element a citizen may see or hear."""
    yield "name", content.name
    yield "department", content.department
    for field in ("aliases", "colloquial_names", "situations", "service_objects", "conditions",
                  "legal_basis", "themes", "english_aliases"):
        for i, text in enumerate(getattr(content, field)):
            yield f"{field}.{i}", text
    yield "english_name", content.english_name
    for i, m in enumerate(content.materials):
        yield f"materials.{i}.name", m.name
        yield f"materials.{i}.notes", m.notes
    for i, s in enumerate(content.process):
        yield f"process.{i}.name", s.name
        yield f"process.{i}.description", s.description
    yield "time_limit.notes", content.time_limit.notes
    for i, f in enumerate(content.fees):
        yield f"fees.{i}.item", f.item
        yield f"fees.{i}.notes", f.notes
        yield f"fees.{i}.basis", f.basis
    if content.result is not None:
        yield "result.name", content.result.name
        yield "result.delivery", content.result.delivery
    for i, loc in enumerate(content.locations):
        yield f"locations.{i}.name", loc.name
        yield f"locations.{i}.address", loc.address
        yield f"locations.{i}.window", loc.window
        yield f"locations.{i}.hours", loc.hours
    yield "progress_query", content.progress_query
    for i, ff in enumerate(content.form_fields):
        yield f"form_fields.{i}.label", ff.label


FLAGGED_PII = frozenset({PiiType.NAME})
"""Personal-data types flagged to the publisher (see the module docstring)."""


def _personal(scanner: TextScanner, text: str) -> list[str]:
    """Personal-data types found in ``text`` that block or are flagged."""
    found = {
        span.type.value
        for span in scanner.detect_pii(text)
        if span.type in BLOCKING_PII | FLAGGED_PII
    }
    if MOBILE.search(re.sub(r"[\s\-]", "", text.translate(_ASCII_DIGITS))):
        found.add(PiiType.PHONE.value)
    return sorted(found)


def check_content(scanner: TextScanner, content: MatterContent) -> ContentReport:
    """Check every text element of ``content``; see the module docstring."""
    findings: list[Finding] = []
    for field, text in texts_of(content):
        if not text:
            continue
        if MARKUP.search(text):
            findings.append(Finding(field=field, reason="markup", blocking=True))
        findings.extend(
            Finding(field=field, reason=f"pii.{kind}", blocking=PiiType(kind) not in FLAGGED_PII)
            for kind in _personal(scanner, text)
        )
        for verdict in scanner.scan_matter_text([text]):
            code = str(verdict.reason_code or "unsafe")
            findings.append(
                Finding(field=field, reason=code, blocking=not code.startswith("safety."))
            )
    return ContentReport(findings=findings)
