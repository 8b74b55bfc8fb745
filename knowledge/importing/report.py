"""The import report: what happened to each matter, what each lacks, every problem.

Built from the parsed file and the store's result (:func:`build_report`), or from a refused
file's validation error (:func:`refused_report`). It holds matter codes, names, element names,
reason codes and Chinese notes, never the source text of a cell, so it is safe to keep, print
and attach to a ticket.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from knowledge.errors import FieldIssue, ImportValidationError
from knowledge.importing.guide import ParsedCatalogue
from knowledge.models import GUIDE_ELEMENT_NAMES, GuideElement
from knowledge.store import ImportAction, ImportResult

ACTION_NAMES: dict[ImportAction, str] = {
    ImportAction.CREATED: "新发布",
    ImportAction.UPDATED: "更新发布",
    ImportAction.UNCHANGED: "未变化",
    ImportAction.DRAFTED: "存为草稿",
    ImportAction.HELD: "待审核草稿",
    ImportAction.RETIRED: "已退出未重新发布",
}
"""How the report names each action."""


class MatterReport(BaseModel):
    """One matter of the import."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="Position in the file, from 0")
    code: str
    name: str
    action: ImportAction
    version: int = Field(description="Published version after the import; 0 if never")
    lacks: list[GuideElement] = Field(description="Guide elements the matter does not publish")
    flags: list[str] = Field(description="Content-check reason codes (held for review)")
    notes: list[str] = Field(description="What the normalisation dropped or reinterpreted")


class ImportReport(BaseModel):
    """A whole import: counts, per-matter detail and every validation problem."""

    model_config = ConfigDict(frozen=True)

    file: str
    format: str
    accepted: bool = Field(description="False when validation refused the whole file")
    total: int
    actions: dict[ImportAction, int] = Field(description="Matters per action")
    lacking: dict[GuideElement, int] = Field(description="Matters lacking each element")
    matters: list[MatterReport]
    problems: list[FieldIssue] = Field(
        default_factory=list, description="Validation problems (each refuses the file)"
    )
    seconds: float = Field(default=0.0, ge=0, description="Wall time of read + write + index")

    @property
    def held(self) -> list[MatterReport]:
        """The matters held as drafts for an editor to review."""
        return [m for m in self.matters if m.action is ImportAction.HELD]

    def lines(self, *, per_matter_up_to: int = 30) -> list[str]:
        """The report as console lines (Chinese labels; per matter only for small files)."""
        out = [f"导入 {self.file}（{self.format}）：{self.total} 个事项"]
        if not self.accepted:
            out.append(f"校验未通过，未写入任何事项；共 {len(self.problems)} 个问题：")
            out += [f"  {_where(p)}  {p.field}: {p.message}" for p in self.problems]
            return out
        out.append(
            "  " + " · ".join(f"{ACTION_NAMES[a]} {self.actions.get(a, 0)}" for a in ImportAction)
            + f"  （{self.seconds:.1f} s）"
        )
        if self.held:
            out.append(f"待审核（内容检查标记，已存为草稿，其余照常发布）：{len(self.held)} 个")
            out += [f"  #{m.index} {m.code}  {m.name}  [{', '.join(m.flags)}]" for m in self.held]
        if self.lacking:
            out.append(
                "未公布的要素（事项数）："
                + " · ".join(f"{GUIDE_ELEMENT_NAMES[e]} {n}" for e, n in self.lacking.items())
            )
        notes = Counter(note for m in self.matters for note in m.notes)
        if notes:
            out.append("导入说明（事项数）：")
            out += [f"  {note}: {n}" for note, n in notes.most_common()]
        if self.total <= per_matter_up_to:
            for m in self.matters:
                lacks = "、".join(GUIDE_ELEMENT_NAMES[e] for e in m.lacks) or "—"
                out.append(f"  #{m.index} {m.code}  {ACTION_NAMES[m.action]}  缺：{lacks}")
        return out

    def write(self, path: Path) -> None:
        """Write the report as JSON (UTF-8)."""
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")


def _where(issue: FieldIssue) -> str:
    return f"#{issue.index}" + (f" {issue.code}" if issue.code else "")


def build_report(
    file: str, parsed: ParsedCatalogue, result: ImportResult, *, seconds: float = 0.0
) -> ImportReport:
    """The report of an accepted import (``result`` in the order of ``parsed.contents``)."""
    contents = {c.code: c for c in parsed.contents}
    matters = [
        MatterReport(
            index=o.index,
            code=o.code,
            name=o.name,
            action=o.action,
            version=o.version,
            lacks=list(contents[o.code].unpublished),
            flags=o.flags,
            notes=parsed.notes.get(o.code, []),
        )
        for o in result.outcomes
    ]
    lacking = Counter(e for m in matters for e in m.lacks)
    return ImportReport(
        file=file,
        format=parsed.format,
        accepted=True,
        total=len(matters),
        actions=dict(Counter(m.action for m in matters)),
        lacking={e: lacking[e] for e in GuideElement if lacking[e]},
        matters=matters,
        seconds=round(seconds, 3),
    )


def refused_report(
    file: str, error: ImportValidationError, *, seconds: float = 0.0
) -> ImportReport:
    """The report of a file refused by validation: every problem, nothing written.

    ``total`` counts the matters with problems (the file's other matters were not stored).
    """
    matters = {issue.index for issue in error.errors if issue.index >= 0}
    return ImportReport(
        file=file,
        format="",
        accepted=False,
        total=len(matters),
        actions={},
        lacking={},
        matters=[],
        problems=list(error.errors),
        seconds=round(seconds, 3),
    )
