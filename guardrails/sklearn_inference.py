"""scikit-learn's own switches for scoring trained guard classifiers on one turn's text.

A turn scores a handful of short texts; sklearn's per-call parameter validation and
finiteness checks cost more than the hashing and the sparse product themselves (about 0.8 ms
of a turn's ~4.5 ms CPU on the load test's dialogues). The inputs are the guard's own
hashing features and the e5 encoder's unit vectors, always finite, and the estimators'
parameters are fixed once trained, so both checks are turned off for inference only —
through :func:`sklearn.config_context`, which is thread-local and restores the previous
configuration on exit. Training keeps every check.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sklearn import config_context


def scoring() -> AbstractContextManager[Any]:
    """Context in which sklearn skips parameter validation and finiteness checks.

    Use around inference on already-trained estimators only (``transform``,
    ``predict_proba``), never around ``fit``.
    """
    context: AbstractContextManager[Any] = config_context(
        assume_finite=True, skip_parameter_validation=True
    )
    return context
