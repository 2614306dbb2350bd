"""The static site of one profile's executed notebooks, with the guides and results of docs/.

Its front page shows each notebook's key figure beside its headline numbers and links the guides;
each notebook has a page with its figures, math and Colab and Binder launch buttons.

``python -m simtools.site --profile quick`` builds ``build/site`` from the executed copies that
``python -m simtools run --profile quick`` left in ``build/quick`` (``make site`` runs both).

Built by Sphinx with MyST-NB and the book theme (what Jupyter Book 1 wraps; configuration in
``site/conf.py``), not Jupyter Book 2: its mystmd engine downloads its theme from a template
server at build time, so it cannot build offline, where the tests run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from simtools.files import write_atomically
from simtools.gallery import THUMBNAILS_DIR, metric_lines, write_thumbnail
from simtools.records import read_metrics
from simtools.run import REPO, notebooks, profiles

CONFIG_DIR = REPO / "site"
PAGES_DIR = "notebooks"  # the repository's layout, which the theme's launch links follow
DOCS_DIR = "docs"  # the guides and the results page; the notebooks link to ../docs/benchmarks.md
# The navigation's order of the pages in docs/: guides (any page not named here follows them, by
# name), then results.
GUIDES = ("running", "colab", "binder", "data", "workshop", "faq", "site", "development")
RESULTS = ("benchmarks",)


def first_heading(markdown: str) -> str | None:
    """The text of the first level-1 heading in ``markdown``, if any."""
    return next((line[2:].strip() for line in markdown.splitlines() if line.startswith("# ")), None)


def notebook_title(notebook: Path) -> str:
    """The first level-1 Markdown heading of ``notebook``, or its file stem."""
    cells = nbformat.read(str(notebook), as_version=4).cells
    markdown = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    return first_heading(markdown) or notebook.stem


def page_title(page: Path) -> str:
    """The first level-1 heading of the Markdown page ``page``, or its file stem."""
    return first_heading(page.read_text(encoding="utf-8")) or page.stem


def doc_sections(docs_dir: Path) -> tuple[list[str], list[str]]:
    """The stems of ``docs_dir``'s pages in navigation order: the guides, then the results."""
    stems = sorted(path.stem for path in docs_dir.glob("*.md"))
    guides = [stem for stem in GUIDES if stem in stems]
    guides += [stem for stem in stems if stem not in GUIDES + RESULTS]
    return guides, [stem for stem in RESULTS if stem in stems]


def toctree(caption: str, entries: list[str]) -> str:
    """A hidden MyST ``toctree`` of ``entries`` (document paths without suffix), or nothing."""
    if not entries:
        return ""
    lines = "\n".join(entries)
    return f"```{{toctree}}\n:caption: {caption}\n:hidden:\n\n{lines}\n```\n"


def page_links(docs_dir: Path, stems: list[str]) -> str:
    """Links to the pages ``stems`` of ``docs_dir`` by their titles, on one line."""
    pages = [docs_dir / f"{stem}.md" for stem in stems]
    return " · ".join(f"[{page_title(page)}]({DOCS_DIR}/{page.name})" for page in pages)


def gallery_page(executed: list[Path], profile: str, thumbnails: Path, docs_dir: Path) -> str:
    """The site's front page in MyST Markdown: links to the guides and results of ``docs_dir``,
    then per notebook a link and its key figure's thumbnail (written into ``thumbnails``, the
    page's ``thumbnails/``) beside its headline numbers; then the navigation's tables."""
    rows = []
    for notebook in executed:
        page = f"{PAGES_DIR}/{notebook.name}"
        metrics = read_metrics(notebook)
        peak = metrics.pop("peak_rss_mb", None)
        numbers = metric_lines(metrics)
        run = nbformat.read(str(notebook), as_version=4).metadata.get("papermill", {})
        if run.get("duration") is not None:
            numbers.append(f"ran in {run['duration']:.0f} s")
        if peak is not None:
            numbers.append(f"peak memory {peak} MB")
        thumbnail = write_thumbnail(notebook, thumbnails / f"{notebook.stem}.png")
        figure = (
            f"[![key figure of {notebook.stem}]({THUMBNAILS_DIR}/{thumbnail.name})]({page})"
            if thumbnail
            else "no figure"
        )
        rows.append(
            f"* - **[{notebook_title(notebook)}]({page})**\n\n    {figure}\n"
            f"  - {' · '.join(numbers)}"
        )
    guides, results = doc_sections(docs_dir)
    notebook_pages = [f"{PAGES_DIR}/{notebook.stem}" for notebook in executed]
    return f"""# Similarity learning for images

Tutorial notebooks on similarity learning (TensorFlow, Keras, TensorFlow Similarity), shown
here as executed at the `{profile}` scale. Each page opens in Colab or Binder from the rocket
button at its top.

**Guides:** {page_links(docs_dir, guides)}

**Results:** {page_links(docs_dir, results)}

```{{list-table}}
:header-rows: 1
:class: gallery

* - Notebook and its key figure
  - Headline numbers
{chr(10).join(rows)}
```

{toctree("Notebooks", notebook_pages)}
{toctree("Guides", [f"{DOCS_DIR}/{stem}" for stem in guides])}
{toctree("Results", [f"{DOCS_DIR}/{stem}" for stem in results])}"""


def build_site(profile: str = "quick", build_dir: Path | None = None) -> Path:
    """Build the site of ``build_dir/<profile>``'s executed notebooks into ``build_dir/site``
    (its sources in ``build_dir/site-source``) and return the path of its front page."""
    if profile not in profiles():
        raise ValueError(f"profile={profile!r} is unknown; known profiles: {', '.join(profiles())}")
    build_dir = build_dir or REPO / "build"
    executed = [build_dir / profile / notebook.name for notebook in notebooks()]
    missing = [path.name for path in executed if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"{build_dir / profile} lacks the executed {', '.join(missing)}; "
            f"run `python -m simtools run --profile {profile}` first"
        )
    source = build_dir / "site-source"
    shutil.rmtree(source, ignore_errors=True)
    (source / PAGES_DIR).mkdir(parents=True)
    for notebook in executed:
        shutil.copy2(notebook, source / PAGES_DIR / notebook.name)
    shutil.copytree(REPO / DOCS_DIR, source / DOCS_DIR)
    page = gallery_page(executed, profile, source / THUMBNAILS_DIR, source / DOCS_DIR)
    write_atomically(source / "index.md", page)
    output = build_dir / "site"
    sphinx = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-q", "-W", "--keep-going"]
    subprocess.run([*sphinx, "-c", str(CONFIG_DIR), str(source), str(output)], check=True)
    return output / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simtools.site", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--profile", default="quick", help="smoke, quick or full (default quick)")
    parser.add_argument("--build-dir", type=Path, default=None, help="default: build/")
    args = parser.parse_args(argv)
    try:
        front = build_site(args.profile, args.build_dir)
    except (ValueError, FileNotFoundError) as error:
        parser.exit(2, f"simtools.site: error: {error}\n")
    except subprocess.CalledProcessError as error:
        parser.exit(1, f"simtools.site: sphinx failed with status {error.returncode}\n")
    print(f"site built: {front}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
