"""Fitted models shipped with the release: a node's first start loads them instead of training.

The guardrails' classifiers (topic, act, scope) are trained on ~8,000 texts embedded with
multilingual-e5; on a 2-core kiosk node that is minutes of CPU on the very first start (issue 10:
``daoban ask`` ≤ 5 s; issue 12: heavy work once per node, or better once per release). The
release therefore carries what a first start on the embedded defaults would leave in the
node's caches (the bundled sample catalogue, the default policy, the e5 model daoban pins):

- ``snapshots/*.joblib`` — :class:`~assistant.composition.snapshots.FitSnapshots` files (act
  and scope classifiers), named by the sha256 key of model class, module source and training
  data;
- ``guardrails/topic-*.npz`` — the topic classifier's fitted heads, named by the key of its
  training data, encoder and model version;
- ``guardrails/vectors-*.npz`` — the e5 vectors of the training texts (float16), keyed per
  text by sha1, so a region that imports its own catalogue re-fits on its matter names after
  embedding only those names (seconds), not the whole corpus again;
- ``knowledge/passages.npz`` — the e5 passage vectors of the bundled sample matters (the
  semantic channel's index), keyed by the sha256 of each passage and the model id, loaded into
  the database's vector cache when it holds none of that model.

:func:`install_release_artefacts` copies into the node's cache folders whatever of these is
missing there, after checking each file's sha256 against ``MANIFEST.json``. The files are
looked up by their content keys as before, so a shipped file is only ever used for exactly the
training data it was fitted on: another catalogue, policy, code version or encoder (or the
public dev sets being absent) simply trains as it always did. ``daoban node build-release``
(:func:`build_release_artefacts`) rebuilds them; ``tests/unit/test_release_artefacts.py``
fails when the shipped files no longer match the code and data (a stale release would cost
the first start minutes again).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from knowledge.e5 import file_sha256
from knowledge.vectors import MatterVectorCache

logger = logging.getLogger(__name__)

RELEASE_DIR = Path(__file__).parent / "release"
MANIFEST = "MANIFEST.json"
SNAPSHOTS = "snapshots"
GUARDRAILS = "guardrails"
KNOWLEDGE = "knowledge"
PASSAGES = "passages.npz"


class ReleaseArtefactError(RuntimeError):
    """A shipped artefact is missing from the manifest or fails its sha256 check."""


@dataclass
class ReleaseInstall:
    """What :func:`install_release_artefacts` did, for logs and ``/health``.

    Attributes:
        copied: Relative names of the files copied into the node's caches.
        present: Files the node already had (left untouched).
        rejected: Files whose sha256 did not match the manifest (not copied).
    """

    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def read_manifest(source: Path = RELEASE_DIR) -> dict[str, object]:
    """The release manifest: ``files`` (relative name → sha256) and how it was built.

    Returns an empty manifest when the release folder has none (a checkout without artefacts).

    Raises:
        ReleaseArtefactError: The manifest exists but is not a JSON object with ``files``.
    """
    path = source / MANIFEST
    if not path.is_file():
        return {"files": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReleaseArtefactError(f"release manifest unreadable: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ReleaseArtefactError("release manifest has no 'files' table")
    return manifest


def install_release_artefacts(
    snapshot_dir: Path, guard_cache_dir: Path | None, source: Path = RELEASE_DIR
) -> ReleaseInstall:
    """Copy the shipped fitted models the node lacks into its cache folders.

    Args:
        snapshot_dir: The node's :class:`FitSnapshots` folder (``var/snapshots``).
        guard_cache_dir: The guardrails' cache folder (``var/cache/guardrails``); None means
            the topic classifier keeps no disk cache, so its files are not installed.
        source: The release folder (default: the one packaged with daoban).

    Returns:
        What was copied, already present or rejected. A file whose sha256 differs from the
        manifest is rejected and logged (the node trains instead); never raises for that.
    """
    result = ReleaseInstall()
    files = read_manifest(source)["files"]
    assert isinstance(files, dict)
    targets = {SNAPSHOTS: snapshot_dir, GUARDRAILS: guard_cache_dir}
    for name, expected in sorted(files.items()):
        folder, _, filename = str(name).partition("/")
        target_dir = targets.get(folder)
        shipped = source / name
        if target_dir is None or not shipped.is_file():
            continue
        target = target_dir / filename
        if target.exists():
            result.present.append(name)
            continue
        if file_sha256(shipped) != expected:
            logger.warning("release artefact fails its sha256 check; training instead: %s", name)
            result.rejected.append(name)
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{filename}.{os.getpid()}.tmp")
        shutil.copyfile(shipped, temporary)
        os.replace(temporary, target)
        result.copied.append(name)
    if result.copied:
        logger.info("release artefacts installed", extra={"files": len(result.copied)})
    return result


def install_release_passages(
    cache: MatterVectorCache, model_id: str, source: Path = RELEASE_DIR
) -> int:
    """Load the shipped passage vectors into an empty vector cache of ``model_id``.

    Returns:
        How many vectors were stored (0: the cache already had vectors of that model, the
        release has none for it, or the file fails its sha256 check).
    """
    name = f"{KNOWLEDGE}/{PASSAGES}"
    files = read_manifest(source)["files"]
    assert isinstance(files, dict)
    path = source / name
    if name not in files or not path.is_file() or cache.count(model_id) > 0:
        return 0
    if file_sha256(path) != files[name]:
        logger.warning("release artefact fails its sha256 check; embedding instead: %s", name)
        return 0
    with np.load(path) as data:
        if str(data["model"]) != model_id:
            return 0
        vectors = {
            str(key): np.asarray(vector, dtype=np.float32)
            for key, vector in zip(data["keys"].tolist(), data["vectors"], strict=True)
        }
    cache.save(model_id, vectors)
    return len(vectors)


def build_release_artefacts(target: Path = RELEASE_DIR) -> dict[str, object]:
    """Train on the embedded defaults in a scratch folder and ship what a first start leaves.

    Builds the full runtime (samples seeded, default settings from the environment except
    the database and cache folders, which point into a temporary directory), then copies the
    snapshot files, the topic model and the training vectors (as float16) into ``target`` and
    writes ``MANIFEST.json``. Takes minutes (it is the first start being paid once, here).

    Returns:
        The manifest written.

    Raises:
        ReleaseArtefactError: The build produced no topic model (no sentence encoder: the
            e5 model is absent, and a character-only release would be misleading).
    """
    from assistant.runtime import build_runtime
    from assistant.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="daoban-release-") as scratch:
        root = Path(scratch)
        base = load_settings()
        settings = base.model_copy(
            update={
                "database_url": f"sqlite:///{root / 'daoban.db'}",
                "snapshot_dir": root / SNAPSHOTS,
                "use_release_artefacts": False,
                "guardrails": base.guardrails.model_copy(
                    update={"topic_cache_dir": root / GUARDRAILS}
                ),
            }
        )
        # The previous release's training vectors (texts of earlier training data only, never
        # a region's) spare re-embedding the unchanged texts; new ones are embedded and added.
        (root / GUARDRAILS).mkdir(parents=True)
        for path in (target / GUARDRAILS).glob("vectors-*.npz"):
            shutil.copyfile(path, root / GUARDRAILS / path.name)
        runtime = build_runtime(settings, seed=True)
        try:
            encoder = runtime.guardrails.classifiers.topic.encoder
            if encoder is None:
                raise ReleaseArtefactError("no sentence encoder loaded: nothing worth shipping")
            model_id = encoder.model_id
            passages = MatterVectorCache(runtime.sessions_db).export(model_id)
        finally:
            runtime.close()
        if target.exists():
            shutil.rmtree(target)
        for folder in (SNAPSHOTS, GUARDRAILS, KNOWLEDGE):
            (target / folder).mkdir(parents=True)
        np.savez_compressed(
            target / KNOWLEDGE / PASSAGES,
            model=np.array(model_id),
            keys=np.array(list(passages)),
            vectors=np.vstack(list(passages.values())).astype(np.float32),
        )
        files: dict[str, str] = {}
        for path in sorted((root / SNAPSHOTS).glob("*.joblib")):
            shutil.copyfile(path, target / SNAPSHOTS / path.name)
        topics = sorted((root / GUARDRAILS).glob("topic-*.npz"), key=lambda p: p.stat().st_mtime)
        if not topics:
            raise ReleaseArtefactError("the build trained no topic model")
        shutil.copyfile(topics[-1], target / GUARDRAILS / topics[-1].name)
        for path in (root / GUARDRAILS).glob("vectors-*.npz"):
            with np.load(path) as data:
                keys, vectors = data["keys"], data["vectors"].astype(np.float16)
            np.savez_compressed(target / GUARDRAILS / path.name, keys=keys, vectors=vectors)
        for path in sorted(target.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(target))] = file_sha256(path)
        manifest: dict[str, object] = {
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "encoder": model_id,
            "catalogue": "bundled samples",
            "files": files,
        }
        (target / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return manifest
