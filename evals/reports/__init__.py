"""Report writers: JSON, Markdown, HTML."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


def write_json_and_markdown(
    report: BaseModel, markdown: str, out_dir: Path, stem: str
) -> tuple[Path, Path]:
    """Write ``{stem}.json`` (the report) and ``{stem}.md`` into ``out_dir``; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    md_path = out_dir / f"{stem}.md"
    json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return json_path, md_path
