"""Several workers on one node: gunicorn's pre-fork supervisor running uvicorn workers.

uvicorn's own supervisor starts each worker as a fresh interpreter (``spawn``): every worker,
and every replacement of a worker that died, imports the whole service again — about 2.5 s of
CPU on these machines (scikit-learn, SciPy, pypinyin, SQLAlchemy, the e5 engine) before it
builds anything. gunicorn imports the application once in the supervisor (``preload_app``) and
forks the workers from it, so a worker only builds its runtime from the node's snapshots
(issue 12: a worker ready in ≤ 3 s when a snapshot exists), and gunicorn replaces a killed
worker the same way.

What is safe to share across the fork: modules and the FastAPI app object only.
:func:`assistant.app.create_app` builds nothing heavy; each worker builds its own runtime
(database engine, Redis clients, embedder, classifiers) in the app's lifespan, after the fork.
The heavy work that is done once per node (migrate, seed, train, embed) runs before, in
:func:`~assistant.composition.node.prepare_node_in_subprocess`.

The supervisor also loads, once, the libraries' data that every worker would otherwise load on
its first turns (:func:`warm_shared_libraries`: jieba's dictionary and part-of-speech tags,
wetext's FSTs, the app's route table): ~0.8 s of CPU per worker, and the first citizens'
answers, no longer paid by each worker after the fork.

The workers are ``uvicorn_worker.UvicornWorker`` (the uvicorn project's gunicorn worker).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from daoban.long_lived import long_lived

WORKER_CLASS = "uvicorn_worker.UvicornWorker"
WORKER_TIMEOUT_S = 120
"""Seconds a worker may go silent (its start included) before gunicorn replaces it."""


class NodeServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn running ``app_factory()`` in ``workers`` pre-forked uvicorn workers.

    Args:
        app_factory: Builds the ASGI app; called once, in the supervisor, before the fork.
        options: gunicorn settings (``bind``, ``workers``, ``certfile``, ``keyfile``, ...);
            unknown names raise ``KeyError`` from gunicorn's configuration.
    """

    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options to gunicorn's configuration (called by gunicorn)."""
        for key, value in self._options.items():
            self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        """The ASGI app (called by gunicorn once, in the supervisor, with ``preload_app``).

        Built with :func:`warm_shared_libraries`, without the cyclic collector and then
        frozen (:func:`daoban.long_lived.long_lived`), so the forked workers share it all.
        """
        with long_lived():
            app = self._factory()
            warm_shared_libraries(app)
        return app


def warm_shared_libraries(app: Any) -> None:
    """Load in this process what every worker reads lazily on its first turns; forks share it.

    jieba's default dictionary (retrieval and the name recognizer, ~0.2 s of CPU), jieba's
    part-of-speech tags (the name recognizer's tagging, ~0.26 s), wetext's FSTs when wetext
    is installed (spoken text with digits, ~0.24 s) and the app's route table as the metrics
    middleware resolves it (~60 ms on the first request). Nothing of a request or of the
    database is touched; the loaders are the ones the turns call, so nothing is loaded twice.
    """
    import jieba.posseg  # noqa: F401 - its import loads the POS tags into the module

    from assistant.metrics import warm_route_names
    from daoban.jieba_dict import load_default_dictionary
    from speech.spoken_text import load_normalizer

    load_default_dictionary()
    load_normalizer()
    warm_route_names(app)


def serve_workers(
    app_factory: Callable[[], Any],
    *,
    host: str,
    port: int,
    workers: int,
    certfile: str | None = None,
    keyfile: str | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app_factory()`` on ``host:port`` with ``workers`` pre-forked workers; blocks.

    Args:
        app_factory: Builds the ASGI app (:func:`assistant.app.create_app`).
        host: Address to listen on.
        port: TCP port to listen on.
        workers: How many worker processes (≥ 2; one worker needs no supervisor).
        certfile: PEM certificate for TLS (GB/T 47483 §9.2.1 a); with ``keyfile`` or neither.
        keyfile: PEM private key for TLS.
        log_level: gunicorn's log level (the service logs through its own handlers).
    """
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "preload_app": True,
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": 30,
        "loglevel": log_level,
        "accesslog": None,
    }
    if certfile is not None and keyfile is not None:
        options |= {"certfile": certfile, "keyfile": keyfile}
    NodeServer(app_factory, options).run()
