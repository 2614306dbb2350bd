"""The threshold explorer: a slider, the open-set scores there, one figure redrawn in place.

Widgets move only under a live kernel and a widget front end (JupyterLab, Jupyter, Colab, VS Code);
elsewhere (papermill, HTML exports, GitHub) the same output shows a static figure and a hint.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from simhelpers.metrics import open_set_scores
from simhelpers.viz import plot_matching

HINT = "Static figure: run this cell in JupyterLab or Jupyter to move the threshold with a slider."


def figure_png(figure: plt.Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    plt.close(figure)
    return buffer.getvalue()


def readout(scores: Mapping[str, float], threshold: float, matched: float) -> str:
    """One line of HTML with the scores at ``threshold``."""
    return (
        f"threshold <b>{threshold:.4f}</b> (matches {matched:.0%} of the queries): "
        f"precision <b>{scores['precision']:.3f}</b> (right among matches), "
        f"recall <b>{scores['recall']:.3f}</b> (indexed classes answered right), "
        f"rejection <b>{scores['rejection']:.3f}</b> (other classes answered no match), "
        f"open-set accuracy <b>{scores['open_set_accuracy']:.3f}</b>"
    )


def show_threshold_explorer(
    nearest_labels: np.ndarray,
    nearest_distances: np.ndarray,
    query_labels: np.ndarray,
    indexed_classes: Sequence[int],
    class_names: Sequence[str],
    cutpoints: Mapping[str, float],
    title: str,
    positions: int = 41,
):
    """Display a slider over ``positions`` quantiles of the distances plus the named ``cutpoints``
    (it starts on the first), the scores there and ``plot_matching``'s figure; return the box."""
    import ipywidgets as widgets
    from IPython.display import display

    distances = np.asarray(nearest_distances)
    quantiles = np.quantile(distances, np.linspace(0, 1, positions))
    stops = {float(value): f"{value:.4f}" for value in quantiles}
    stops.update({float(value): f"{value:.4f} = {name}" for name, value in cutpoints.items()})
    start = float(next(iter(cutpoints.values())))

    def draw(threshold: float) -> tuple[bytes, str]:
        answers = (nearest_labels, distances, query_labels, indexed_classes, threshold)
        figure = plot_matching(*answers, class_names, title, cutpoints)
        matched = float(np.mean(distances <= threshold))
        return figure_png(figure), readout(open_set_scores(*answers), threshold, matched)

    png, text = draw(start)
    slider = widgets.SelectionSlider(
        options=[(label, value) for value, label in sorted(stops.items())],
        value=start,
        description="threshold",
        continuous_update=False,
        layout=widgets.Layout(width="90%"),
        style={"description_width": "initial"},
    )
    scores_line = widgets.HTML(text)
    image = widgets.Image(value=png, format="png", layout=widgets.Layout(width="100%"))

    def redraw(change: dict) -> None:
        image.value, scores_line.value = draw(change["new"])

    slider.observe(redraw, names="value")
    header = widgets.HTML(
        "<b>Threshold explorer</b> on the evaluation set: for exploring, not for choosing "
        "(choose on the calibration set). Each stop is a quantile of the distances; the "
        "cutpoints are named. After reopening the notebook, run this cell to move the slider."
    )
    box = widgets.VBox([header, slider, scores_line, image])
    bundle = widget_bundle(box)  # and a static copy, so that no front end shows two figures
    picture = base64.b64encode(png).decode("ascii")
    bundle["text/html"] = (
        f'<img src="data:image/png;base64,{picture}" alt="{html.escape(title)}" '
        f'style="max-width:100%"><p>{text}</p><p><i>{html.escape(HINT)}</i></p>'
    )
    bundle["text/plain"] = HINT
    display(bundle, raw=True)
    return box


def widget_bundle(widget) -> dict:
    """``widget``'s display data, built by hand for ipywidgets 7 (Colab), which lacks
    ``_repr_mimebundle_``: the widget-view entry its ``_ipython_display_`` sends."""
    if hasattr(widget, "_repr_mimebundle_"):
        return widget._repr_mimebundle_()
    view = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    return {"text/plain": repr(widget), "application/vnd.jupyter.widget-view+json": view}
