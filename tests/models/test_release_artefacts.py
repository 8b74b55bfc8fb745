"""The fitted classifiers shipped with the release cover a first start on the embedded defaults.

A first start (empty database, bundled samples, the pinned e5 model, the default policy) must
train nothing: every model is loaded from ``assistant/composition/release``. When this test
fails, the guardrails' training data or model code changed since the release was built: run
``daoban build-release`` and commit ``assistant/composition/release/``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from assistant.composition.release import (
    RELEASE_DIR,
    install_release_artefacts,
    read_manifest,
)
from assistant.runtime import build_runtime
from assistant.settings import Settings
from guardrails.topic_data import available_sets

pytestmark = pytest.mark.slow


def test_manifest_lists_every_shipped_file_with_its_sha256() -> None:
    files = read_manifest()["files"]
    assert isinstance(files, dict) and files, "no release artefacts shipped"
    shipped = {str(p.relative_to(RELEASE_DIR)) for p in RELEASE_DIR.rglob("*") if p.is_file()}
    assert shipped - {"MANIFEST.json"} == set(files)
    for name, digest in files.items():
        assert hashlib.sha256((RELEASE_DIR / name).read_bytes()).hexdigest() == digest, name


def test_a_tampered_artefact_is_not_installed(tmp_path: Path) -> None:
    source = tmp_path / "release"
    shutil.copytree(RELEASE_DIR, source)
    victim = next(p for p in (source / "snapshots").glob("*.joblib"))
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    result = install_release_artefacts(tmp_path / "snap", tmp_path / "guard", source)
    name = f"snapshots/{victim.name}"
    assert name in result.rejected
    assert not (tmp_path / "snap" / victim.name).exists()
    assert result.copied  # the intact files still are


def test_first_start_on_the_defaults_trains_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not available_sets():
        pytest.skip("the public dev sets are absent: the shipped topic model was fitted with them")
    monkeypatch.setenv("DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL", "true")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'daoban.db'}",
        snapshot_dir=tmp_path / "snapshots",
    )
    settings.guardrails.topic_cache_dir = tmp_path / "guardrails"
    runtime = build_runtime(settings, seed=True)
    try:
        if runtime.guardrails.classifiers.topic.encoder is None:
            pytest.skip("the e5 model is not installed: the release covers the e5 features only")
        assert runtime.guardrails.classifiers.topic.from_cache
    finally:
        runtime.close()
    # Whatever a first start trains it saves next to what it loaded: only shipped files here.
    files = read_manifest()["files"]
    assert isinstance(files, dict)
    shipped = {Path(name).name for name in files}
    made = {p.name for p in (tmp_path / "snapshots").glob("*.joblib")}
    made |= {p.name for p in (tmp_path / "guardrails").glob("topic-*.npz")}
    assert made <= shipped, f"trained on a first start: {made - shipped}; `daoban build-release`"
