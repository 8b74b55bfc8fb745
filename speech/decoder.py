"""Kaldi decoder options of a vosk model, applied through a tuned overlay model folder.

vosk reads its search options (``--beam``, ``--max-active``, ``--lattice-beam``, ...) from
``conf/model.conf`` of the model folder when the model is loaded; its API has no call to
change them afterwards. :func:`tuned_model_dir` therefore builds an *overlay*: a folder in a
cache directory whose entries are symbolic links to the configured model's files, except
``conf/model.conf``, which is the model's own file with the configured options replaced. The
overlay is named by a hash of the model path and the options, built once (atomically: a
temporary folder renamed into place) and reused; the original model folder is never written.

Example:
    >>> options = DecoderOptions(beam=9.0, max_active=2000)
    >>> tuned_model_dir(Path("/models/vosk-model-small-cn-0.22"), options, Path("/tmp/c"))
    PosixPath('/tmp/c/vosk-model-small-cn-0.22.3f9a1c2b7d40')
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)

MODEL_CONF = Path("conf") / "model.conf"
"""Where a vosk (v2 layout) model keeps its decoder options."""


class DecoderOptions(BaseModel):
    """Kaldi lattice-decoder options written into ``conf/model.conf``; None keeps the model's.

    Scores are in Kaldi's cost units (negated log-likelihood, acoustic scale applied).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    beam: float | None = Field(
        default=None, gt=0, le=50,
        description="Search beam (cost units): hypotheses worse than best + beam are pruned",
    )
    max_active: int | None = Field(
        default=None, ge=50, le=100_000, description="Most decoder states kept per frame"
    )
    min_active: int | None = Field(
        default=None, ge=0, le=10_000, description="Fewest decoder states kept per frame"
    )
    lattice_beam: float | None = Field(
        default=None, gt=0, le=50, description="Lattice pruning beam (cost units)"
    )

    def conf_lines(self) -> dict[str, str]:
        """The options that are set, as ``{"--beam": "9.0", ...}`` (Kaldi option names)."""
        values = {"--beam": self.beam, "--max-active": self.max_active,
                  "--min-active": self.min_active, "--lattice-beam": self.lattice_beam}
        return {key: str(value) for key, value in values.items() if value is not None}


def rewrite_model_conf(text: str, options: DecoderOptions) -> str:
    """Return ``model.conf`` text with ``options`` replacing (or adding) their lines.

    Other lines (endpointing, frame subsampling, silence phones) are kept as they are.
    """
    overrides = options.conf_lines()
    kept = [line for line in text.splitlines()
            if line.strip().split("=", 1)[0].strip() not in overrides]
    return "\n".join([*kept, *(f"{key}={value}" for key, value in overrides.items())]) + "\n"


def _overlay_name(model_path: Path, conf_text: str) -> str:
    digest = hashlib.sha256(f"{model_path}\n{conf_text}".encode()).hexdigest()[:12]
    return f"{model_path.name}.{digest}"


def _link_tree(source: Path, target: Path) -> None:
    """Link every entry of ``source`` into ``target``, descending only into ``conf``."""
    for entry in source.iterdir():
        if entry.name == "conf" and entry.is_dir():
            (target / "conf").mkdir()
            for item in entry.iterdir():
                if item.name != "model.conf":
                    (target / "conf" / item.name).symlink_to(item.resolve())
        else:
            (target / entry.name).symlink_to(entry.resolve())


def tuned_model_dir(model_path: Path, options: DecoderOptions, cache_dir: Path) -> Path:
    """The folder vosk should load: ``model_path`` itself, or a tuned overlay of it.

    Args:
        model_path: A vosk model folder (v2 layout: ``am/``, ``conf/model.conf``, ``graph/``).
        options: Decoder options (a :class:`~speech.settings.DecoderSettings` is one); when
            none is set, ``model_path`` is returned unchanged.
        cache_dir: Where overlays are built (created if missing).

    Returns:
        The overlay folder (or ``model_path``).

    Raises:
        FileNotFoundError: ``model_path`` has no ``conf/model.conf`` (old v1 layout models
            cannot be tuned this way).
        OSError: The cache directory cannot be written.
    """
    if not options.conf_lines():
        return model_path
    model_path = model_path.resolve()
    conf_text = rewrite_model_conf((model_path / MODEL_CONF).read_text(encoding="utf-8"),
                                   options)
    target = cache_dir / _overlay_name(model_path, conf_text)
    if (target / MODEL_CONF).is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".overlay-", dir=cache_dir))
    try:
        _link_tree(model_path, staging)
        (staging / MODEL_CONF).write_text(conf_text, encoding="utf-8")
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / MODEL_CONF).is_file():  # not a concurrent build of the same overlay
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("tuned asr model overlay built",
                extra={"overlay": target.name, "options": sorted(options.conf_lines().items())})
    return target


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/daoban/vosk`` (``~/.cache/daoban/vosk`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "daoban" / "vosk"
