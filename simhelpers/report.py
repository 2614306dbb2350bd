"""What a notebook reports about its own run: headline metrics, stored in its output (the tooling
reads them back), and conclusions, sentences computed from the run's numbers.

scrapbook did this once but is abandoned; a custom MIME type in a display output needs no
side files and survives papermill, nbconvert and nbval.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence

METRICS_MIME = "application/vnd.simlearn.metrics+json"
CONCLUSION = {"simlearn": "conclusion"}  # the metadata that marks a conclusion's output


def conclude(text: str) -> None:
    """Show ``text``, a sentence built from this run's numbers, as Markdown; its output carries
    ``CONCLUSION`` metadata so that tests can check it against the recorded metrics."""
    from IPython.display import Markdown, display

    display(Markdown(text), metadata=CONCLUSION)


def record_metrics(**metrics: float | int | str) -> None:
    """Display ``metrics`` as a table and store them machine-readably in the cell output, with
    ``peak_rss_mb``, the peak resident memory of this kernel so far."""
    from IPython.display import display

    clean = {key: _plain(value) for key, value in metrics.items()}
    clean["peak_rss_mb"] = peak_rss_mb()
    text = "\n".join(f"{key:<28}{_format(value)}" for key, value in clean.items())
    display({METRICS_MIME: clean, "text/plain": text}, raw=True)


def flat_metrics(
    by_group: Mapping[str, Mapping[str, float]],
    prefix: str = "",
    metrics: Sequence[str] | None = None,
) -> dict[str, float]:
    """``{"all": {"map@r": x}, "unseen": {...}}`` as ``record_metrics`` keywords:
    ``{prefix}map_at_r``, ``{prefix}unseen_map_at_r``, ... (only ``metrics``, when given)."""
    return {
        f"{prefix}{'' if group == 'all' else group + '_'}{metric.replace('@', '_at_')}": value
        for group, scores in by_group.items()
        for metric, value in scores.items()
        if metrics is None or metric in metrics
    }


def peak_rss_mb(platform: str = sys.platform) -> int:
    """The peak resident memory of this process so far, in MB (2**20 bytes)."""
    if platform == "win32":  # no ``resource`` module; psutil comes with ipykernel
        import psutil

        return psutil.Process().memory_info().peak_wset // 2**20
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 2**20 if platform == "darwin" else peak // 1024  # bytes on macOS, KiB on Linux


def _plain(value: object) -> float | int | str:
    """numpy scalars and other numbers as JSON-friendly Python values; refuses NaN and infinity."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, str | bool | int):
        return value
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric value {value!r} is not finite")
    return number


def _format(value: float | int | str) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
