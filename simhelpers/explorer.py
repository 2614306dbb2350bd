"""An ipywidgets slider over the distance threshold that redraws the matching scores live.

Widgets only move where a widget front end runs them (JupyterLab, Jupyter Notebook, Colab,
VS Code). Papermill and HTML exports have none, so the explorer always draws the static figure at
the starting threshold first and gives the widget a readable plain-text fallback.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from simhelpers.viz import plot_matching


def show_threshold_explorer(
    nearest_labels: np.ndarray,
    nearest_distances: np.ndarray,
    query_labels: np.ndarray,
    class_names: Sequence[str],
    threshold: float,
    title: str,
):
    """Draw matching at ``threshold``; below it, a slider that draws it at another threshold.

    Returns the widget box (slider and its output).
    """
    import ipywidgets as widgets
    from IPython.display import display

    def draw(value: float) -> None:
        plot_matching(nearest_labels, nearest_distances, query_labels, value, class_names, title)
        plt.show()

    draw(threshold)
    top = max(float(np.max(nearest_distances)), threshold)
    slider = widgets.FloatSlider(
        value=threshold,
        min=0.0,
        max=top * 1.05,
        step=top / 200,
        description="threshold",
        continuous_update=False,
        readout_format=".4f",
        layout=widgets.Layout(width="600px"),
    )
    output = widgets.Output()

    def redraw(change: dict) -> None:
        output.clear_output(wait=True)
        with output:
            draw(change["new"])

    slider.observe(redraw, names="value")
    box = widgets.VBox(
        [widgets.Label("Move the slider to redraw at another threshold:"), slider, output]
    )
    bundle = box._repr_mimebundle_()
    bundle["text/plain"] = (
        "[threshold explorer: a slider that redraws the figure above at another threshold; "
        "it needs a live widget front end such as JupyterLab]"
    )
    display(bundle, raw=True)
    return box
