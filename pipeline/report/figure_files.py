"""A Figure's PNG and SVG bytes, laid out once per file instead of drawn twice.

`Figure.savefig` on a figure with a layout engine (all of ours: layout="constrained") draws
the whole figure twice: once with no output, which runs the layout and also draws every
artist (thousands of texts: each heatmap cell's label, each tick) to nothing, then once for
the file. Here the layout is run alone, as that first draw runs it (each Axes' aspect and
locator first, on the canvas of the file's format and at its dpi), then the figure is saved
with the engine detached, so it is drawn once. The bytes are the same as savefig's (tests
compare them); the charts stage spent about a third of its time in the drawing to nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipeline.report.charts import japanese_style, plain_text


def _savefig_dpi(fig: Figure, fmt: str) -> float:
    """The dpi savefig lays the figure out at for this format."""
    if fmt == "svg":
        return 72.0  # FigureCanvasSVG.print_svg sets it before its first draw
    dpi = matplotlib.rcParams["savefig.dpi"]
    return fig.dpi if dpi == "figure" else float(dpi)


def _lay_out(fig: Figure, fmt: str) -> None:
    """Run the figure's layout engine as savefig's first draw runs it, without drawing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    engine = fig.get_layout_engine()
    (FigureCanvasSVG if fmt == "svg" else FigureCanvasAgg)(fig)  # becomes fig.canvas
    dpi, fig.dpi = fig.dpi, _savefig_dpi(fig, fmt)
    try:
        # The renderer the layout engine asks for too: a private method (no public getter
        # serves every canvas), so the tests hold the bytes to savefig's.
        renderer = cast(Any, fig)._get_renderer()
        for ax in fig.axes:
            for part in (ax, *(c for c in ax.get_children() if isinstance(c, Axes))):
                locator = part.get_axes_locator()
                part.apply_aspect(None if locator is None else locator(part, renderer))
        if fig.axes and engine is not None:
            _execute(engine, fig)
    finally:
        fig.dpi = dpi


def _execute(engine, fig: Figure) -> None:
    """The engine run as Figure.draw runs it: a layout that cannot be made (axes too small
    for their labels) raises ValueError there, and the figure is drawn as it stands."""
    try:
        engine.execute(fig)
    except ValueError:
        return


@contextmanager
def _laid_out(fig: Figure, fmt: str) -> Iterator[None]:
    """The figure laid out for `fmt`, its layout engine detached while in the block (so
    savefig draws once) and put back after (a second format lays it out again, as savefig
    would)."""
    engine = fig.get_layout_engine()
    _lay_out(fig, fmt)
    # set_layout_engine(None) makes a new engine when one of these is on (a user's
    # matplotlibrc may set them).
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    try:
        yield
    finally:
        fig.set_layout_engine(engine)


def figure_png(fig: Figure) -> bytes:
    """PNG bytes with no timestamp or version stamp, so reruns are identical."""
    buffer = io.BytesIO()
    with plain_text():  # tick labels are made when drawing: `$` in them is text too
        with _laid_out(fig, "png"):
            fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def figure_svg(fig: Figure) -> bytes:
    """SVG with text kept as text (searchable, sharp) and no date stamp."""
    buffer = io.BytesIO()
    with japanese_style():  # its fixed svg.hashsalt makes the SVG's ids repeatable
        with _laid_out(fig, "svg"):
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
