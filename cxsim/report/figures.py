"""Figures into the page: a matplotlib figure as a PNG data URI, so the report is one file.

PNG rather than SVG: a year of daily bands and stacked areas is several times smaller as an
image than as vector paths, and looks the same in every browser and mail client. The PNG
carries no software or date stamp, so the same tables give the same bytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from matplotlib.figure import Figure

from cxsim.report.document import Image
from cxsim.results.plots import NothingToPlotError

__all__ = ["DPI", "embed", "embed_plot"]

DPI = 100  # a 9-inch figure is 900 pixels: the report's column


def embed(figure: Figure, alt: str, caption: str = "") -> Image:
    """``figure`` as an ``Image`` block; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = (round(float(size) * DPI) for size in figure.get_size_inches())
    figure.clear()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Image(f"data:image/png;base64,{data}", width, height, alt, caption)


def embed_plot(plot: Callable[[], Figure], alt: str, caption: str = "") -> Image | None:
    """The figure ``plot()`` draws as an ``Image``, or None when it has nothing to show."""
    try:
        figure = plot()
    except NothingToPlotError:
        return None
    return embed(figure, alt, caption)
