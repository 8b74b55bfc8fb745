"""The work behind ``daoban eval routing``: pick the runtime, route every set, label reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.runtime import Runtime
from assistant.settings import Settings, load_settings
from evals.catalogue import catalogue_runtime, read_catalogue, strip_aliases
from evals.datasets import RoutingCase
from evals.runners.routing import RoutingReport, evaluate_routing
from knowledge.importers import BUNDLED_SAMPLES_DIR, read_matter_dir


@contextmanager
def _runtime(
    *,
    catalogue: Path | None,
    stripped: bool,
    semantic: bool | None,
    runtime_factory: Callable[[], Runtime],
    database_url: str | None = None,
) -> Iterator[tuple[Runtime, str]]:
    settings: Settings = load_settings()
    if semantic is not None:
        settings = settings.model_copy(
            update={
                "knowledge": settings.knowledge.model_copy(update={"semantic_channel": semantic})
            }
        )
    if catalogue is None and not stripped and semantic is None:
        runtime = runtime_factory()
        try:
            yield runtime, ""
        finally:
            runtime.close()
        return
    if catalogue is not None:
        contents = read_catalogue(catalogue)
        label = str(catalogue)
    else:
        contents = read_matter_dir(settings.knowledge.samples_dir or BUNDLED_SAMPLES_DIR)
        label = "bundled samples"
    if stripped:
        contents = [strip_aliases(c) for c in contents]
    with catalogue_runtime(contents, settings, database_url=database_url) as (runtime, refused):
        if refused:
            label += f" ({len(refused)} refused by the content check, left out)"
        yield runtime, label


def run_routing_eval(
    sets: dict[str, list[RoutingCase]],
    *,
    catalogue: Path | None,
    strip_aliases: bool,
    semantic: bool | None,
    runtime_factory: Callable[[], Runtime],
    database_url: str | None = None,
) -> dict[str, RoutingReport]:
    """Route each named set on one runtime; reports carry the catalogue and channel used.

    Without ``catalogue``, ``strip_aliases`` or ``semantic`` the service's own database is
    used (``runtime_factory``); otherwise a fresh temporary one holding the catalogue (or the
    bundled samples) is built and deleted afterwards (kept at ``database_url`` if given).

    Raises:
        OSError, ValueError: the catalogue cannot be read or imported.
    """
    reports: dict[str, RoutingReport] = {}
    with _runtime(
        catalogue=catalogue,
        stripped=strip_aliases,
        semantic=semantic,
        runtime_factory=runtime_factory,
        database_url=database_url,
    ) as (runtime, label):
        dense = runtime.retriever.dense_status()
        for name, cases in sets.items():
            report = evaluate_routing(name, cases, runtime.pipeline, runtime.guardrails.pii.redact)
            reports[name] = report.model_copy(
                update={
                    "catalogue": label,
                    "matters": runtime.retriever.size,
                    "aliases_stripped": strip_aliases,
                    "semantic": dense.reason if dense.available else f"off ({dense.reason})",
                }
            )
    return reports


@contextmanager
def sample_runtime(*, semantic: bool | None) -> Iterator[Runtime]:
    """A runtime on the bundled sample matters in a fresh temporary database (deleted after).

    ``semantic`` forces the dense channel on or off (None: as configured). The follow-up
    dialogues are written over the samples, so they never run on a region's database.
    """
    settings: Settings = load_settings()
    if semantic is not None:
        settings = settings.model_copy(
            update={
                "knowledge": settings.knowledge.model_copy(update={"semantic_channel": semantic})
            }
        )
    contents = read_matter_dir(settings.knowledge.samples_dir or BUNDLED_SAMPLES_DIR)
    with catalogue_runtime(contents, settings) as (runtime, _refused):
        yield runtime
