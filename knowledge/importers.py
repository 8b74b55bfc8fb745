"""Read and write matter files: the public names of :mod:`knowledge.importing`, kept stable.

daoban's own JSON/YAML is in :mod:`knowledge.importing.documents`; the record format of crawled
regional catalogues in :mod:`knowledge.importing.records`; CSV/XLSX 实施清单 through a field
mapping in :mod:`knowledge.importing.tabular`. :func:`read_catalogue` picks the reader by file.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.importing import read_catalogue
from knowledge.importing.documents import (
    FileFormat,
    detect_format,
    dump_matters,
    parse_matters,
    read_matter_dir,
    read_matter_file,
)

BUNDLED_SAMPLES_DIR = Path(__file__).with_name("samples")
"""The bundled SAMPLE matters (written by the team from public facts; not any region's list)."""

__all__ = [
    "BUNDLED_SAMPLES_DIR",
    "FileFormat",
    "detect_format",
    "dump_matters",
    "parse_matters",
    "read_catalogue",
    "read_matter_dir",
    "read_matter_file",
]
