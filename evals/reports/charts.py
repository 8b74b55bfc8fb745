"""Bar charts for the HTML reports (matplotlib, Agg backend), embedded as base64 PNG."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence


def bar_chart_png(
    labels: Sequence[str], values: Sequence[float], title: str, target: float | None = None
) -> str:
    """A horizontal bar chart of ``values`` (0–1) as a ``data:image/png;base64`` URI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(2.0, 0.32 * len(labels) + 1)
    fig, ax = plt.subplots(figsize=(8, height))
    ax.barh(range(len(labels)), values, color="#3b6ea5")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels([label.encode("ascii", "replace").decode() for label in labels], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_title(title)
    if target is not None:
        ax.axvline(target, color="#c0392b", linestyle="--", linewidth=1)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
