"""A static site of one profile's executed notebooks: a gallery page (each notebook's key figure
beside its headline numbers) and one page per notebook with its figures, math and Colab and
Binder launch buttons.

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
from simtools.launch import BRANCH, GITHUB_REPOSITORY
from simtools.records import read_metrics
from simtools.run import PROFILES_DIR, REPO, notebooks

CONFIG_DIR = REPO / "site"
PAGES_DIR = "notebooks"  # the repository's layout, which the theme's launch links follow
DOCS_DIR = "docs"  # the pages the notebooks link to (../docs/benchmarks.md)


def notebook_title(notebook: Path) -> str:
    """The first level-1 Markdown heading of ``notebook``, or its file stem."""
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def gallery_page(executed: list[Path], profile: str, thumbnails: Path) -> str:
    """The site's front page in MyST Markdown: per notebook, a link and its key figure's
    thumbnail (written into ``thumbnails``, the page's ``thumbnails/``) beside its headline
    numbers; then the table of contents."""
    repository = f"https://github.com/{GITHUB_REPOSITORY}/blob/{BRANCH}"
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
    toc = "\n".join(f"{PAGES_DIR}/{notebook.stem}" for notebook in executed)
    docs = "\n".join(f"{DOCS_DIR}/{page.stem}" for page in sorted((REPO / DOCS_DIR).glob("*.md")))
    return f"""# Similarity learning for images

Tutorial notebooks on similarity learning (TensorFlow, Keras, TensorFlow Similarity), shown
here as executed with the `{profile}` profile
([its values]({repository}/notebooks/profiles/{profile}.yaml)). Each page opens in Colab or
Binder from the rocket button at its top; measured figures are on the
[benchmark page]({DOCS_DIR}/benchmarks.md).

```{{list-table}}
:header-rows: 1
:class: gallery

* - Notebook and its key figure
  - Headline numbers
{chr(10).join(rows)}
```

```{{toctree}}
:caption: Notebooks
:hidden:

{toc}
```

```{{toctree}}
:caption: Reference
:hidden:

{docs}
```
"""


def build_site(profile: str = "quick", build_dir: Path | None = None) -> Path:
    """Build the site of ``build_dir/<profile>``'s executed notebooks into ``build_dir/site``
    (its sources in ``build_dir/site-source``) and return the path of its front page."""
    if profile not in {path.stem for path in PROFILES_DIR.glob("*.yaml")}:
        known = ", ".join(sorted(path.stem for path in PROFILES_DIR.glob("*.yaml")))
        raise ValueError(f"profile={profile!r} is unknown; known profiles: {known}")
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
    page = gallery_page(executed, profile, source / THUMBNAILS_DIR)
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
