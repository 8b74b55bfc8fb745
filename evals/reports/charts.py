"""Bar charts for the HTML reports (matplotlib, Agg backend), embedded as base64 PNG.

Labels are drawn in Noto Sans CJK, shipped by the PyPI package ``noto-cjk-sans-otc`` (SIL Open
Font License), so set and category names in Chinese render as Chinese, not "????". Without the
package the charts fall back to matplotlib's default font and say so in a log line.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Sequence


def cjk_font_family() -> str | None:
    """Register the packaged Noto Sans CJK with matplotlib; its family name, or None."""
    try:
        import noto_cjk_sans_otc  # type: ignore[import-untyped]
    except ImportError:
        logging.getLogger(__name__).warning(
            "noto-cjk-sans-otc not installed: CJK labels may not render"
        )
        return None
    from matplotlib import font_manager

    path = str(noto_cjk_sans_otc.FONT_PATH)
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def bar_chart_png(
    labels: Sequence[str], values: Sequence[float], title: str, target: float | None = None
) -> str:
    """A horizontal bar chart of ``values`` (0–1) as a ``data:image/png;base64`` URI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = cjk_font_family()
    if family is not None:
        plt.rcParams["font.family"] = [family, "DejaVu Sans"]
    height = max(2.0, 0.32 * len(labels) + 1)
    fig, ax = plt.subplots(figsize=(8, height))
    ax.barh(range(len(labels)), values, color="#3b6ea5")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(list(labels), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_title(title)
    if target is not None:
        ax.axvline(target, color="#c0392b", linestyle="--", linewidth=1)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
