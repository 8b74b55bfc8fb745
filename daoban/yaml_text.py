"""YAML parsing with PyYAML's C loader (libyaml) when the wheel has it.

``yaml.safe_load`` is the pure-Python loader: the training corpora, the thesaurus and the policy
files cost a few hundred milliseconds of every start with it, about a sixth of that with
``CSafeLoader``. Both construct the same safe subset (no arbitrary Python objects).
"""

from __future__ import annotations

from typing import Any

import yaml

_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely; returns what ``yaml.safe_load`` would.

    Raises:
        yaml.YAMLError: ``text`` is not valid YAML.
    """
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, C or Python
