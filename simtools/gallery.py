"""HTML exports of executed notebooks and an ``index.html`` that links them with their figures."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from simtools.files import write_atomically
from simtools.run import RunResult


def export_html(notebook: Path) -> Path:
    """Export an executed notebook to HTML beside it (a failed one too: the error shows)."""
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    target = notebook.with_suffix(".html")
    write_atomically(target, body)
    return target


def write_index(results: list[RunResult], output_dir: Path, title: str) -> Path:
    """``index.html`` in ``output_dir``: one row per run with links, time, memory and metrics."""
    rows = []
    for result in results:
        metrics = dict(result.metrics)
        peak = metrics.pop("peak_rss_mb", "-")
        shown = "<br>".join(
            f"{html.escape(k)} = {v:.4f}" if isinstance(v, float) else f"{html.escape(k)} = {v}"
            for k, v in metrics.items()
        )
        status = f"FAILED: {html.escape(result.error)}" if result.error else "ok"
        name = html.escape(result.output.name)
        page = html.escape(result.output.with_suffix(".html").name)
        rows.append(
            f"<tr><td><a href='{page}'>{html.escape(result.notebook)}</a>"
            f" (<a href='{name}'>ipynb</a>)</td><td class='{'bad' if result.error else 'ok'}'>"
            f"{status}</td><td>{result.seconds:.1f}</td><td>{peak}</td><td>{shown}</td></tr>"
        )
    page_text = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.4em 0.8em; vertical-align: top; text-align: left; }}
.ok {{ color: #1a7f37; }} .bad {{ color: #cf222e; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<table>
<tr><th>notebook</th><th>status</th><th>seconds</th><th>peak MB</th><th>metrics</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    target = output_dir / "index.html"
    write_atomically(target, page_text)
    return target
