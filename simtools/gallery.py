"""HTML exports of executed notebooks and an ``index.html`` that shows each one's key figure
beside its headline numbers.

The key figure of a notebook is its last PNG output: each notebook ends on the figure that sums
it up (notebook 03's threshold explorer, for instance).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from PIL import Image

from simtools.files import write_atomically
from simtools.records import RunResult

THUMBNAIL_WIDTH = 320
THUMBNAILS_DIR = "thumbnails"


def export_html(notebook: Path) -> Path:
    """Export an executed notebook to HTML beside it (a failed one too: the error shows)."""
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return write_atomically(notebook.with_suffix(".html"), body)


def key_figure(notebook: Path) -> bytes | None:
    """The PNG bytes of ``notebook``'s last image output, or None when it shows no image."""
    found = None
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png is not None:
                found = png
    return None if found is None else base64.b64decode("".join(found))


def write_thumbnail(notebook: Path, target: Path, width: int = THUMBNAIL_WIDTH) -> Path | None:
    """Save ``notebook``'s key figure scaled down to ``width`` pixels as the PNG ``target``;
    None (and nothing written) when the notebook shows no image."""
    png = key_figure(notebook)
    if png is None:
        return None
    image = Image.open(io.BytesIO(png))
    image.thumbnail((width, width * 4))
    scaled = io.BytesIO()
    image.save(scaled, format="PNG")
    return write_atomically(target, scaled.getvalue())


def metric_lines(metrics: dict) -> list[str]:
    """Each metric as ``name = value`` (floats to four decimals), in recorded order."""
    return [f"{k} = {v:.4f}" if isinstance(v, float) else f"{k} = {v}" for k, v in metrics.items()]


def write_index(results: list[RunResult], output_dir: Path, title: str) -> Path:
    """``index.html`` in ``output_dir``: one row per run with links, its key figure's thumbnail,
    time, memory and metrics."""
    rows = []
    for result in results:
        metrics = dict(result.metrics)
        peak = metrics.pop("peak_rss_mb", "-")
        shown = "<br>".join(html.escape(line) for line in metric_lines(metrics))
        status = f"FAILED: {html.escape(result.error)}" if result.error else "ok"
        relative = result.output.relative_to(output_dir)  # a sweep: run/x/notebook.ipynb
        name = html.escape(relative.as_posix())
        page = html.escape(relative.with_suffix(".html").as_posix())
        image = Path(THUMBNAILS_DIR) / relative.with_suffix(".png")
        thumbnail = result.output.exists() and write_thumbnail(result.output, output_dir / image)
        figure = (
            f"<a href='{page}'><img src='{html.escape(image.as_posix())}' "
            f"alt='key figure of {html.escape(result.notebook)}'></a>"
            if thumbnail
            else "no figure"
        )
        rows.append(
            f"<tr><td><a href='{page}'>{html.escape(result.notebook)}</a>"
            f" (<a href='{name}'>ipynb</a>)</td><td>{figure}</td>"
            f"<td class='{'bad' if result.error else 'ok'}'>"
            f"{status}</td><td>{result.seconds:.1f}</td><td>{peak}</td><td>{shown}</td></tr>"
        )
    page_text = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.4em 0.8em; vertical-align: top; text-align: left; }}
img {{ width: {THUMBNAIL_WIDTH}px; }}
.ok {{ color: #1a7f37; }} .bad {{ color: #cf222e; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<table>
<tr><th>notebook</th><th>key figure</th><th>status</th><th>seconds</th><th>peak MB</th>
<th>metrics</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    return write_atomically(output_dir / "index.html", page_text)
