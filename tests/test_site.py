"""The published site: `make site` on the smoke profile's executed notebooks gives a gallery page
with each notebook's key figure beside its numbers and links to the guides, one page per notebook
with every figure, typeset math, the navigation and Colab and Binder launch links, and the pages
of docs/. Also the runner's gallery, and the links of the README and of docs/."""

import base64
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from simtools import gallery, launch, run, site

STEMS = [path.stem for path in run.notebooks()]
DOCS = run.REPO / site.DOCS_DIR
PAGES = [run.REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def png_outputs(notebook: Path) -> int:
    """How many outputs of ``notebook`` carry a PNG image."""
    cells = nbformat.read(str(notebook), as_version=4).cells
    return sum(
        "image/png" in output.get("data", {}) for c in cells for output in c.get("outputs", [])
    )


def page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def executed(executed_smoke):
    """The smoke profile's executed notebooks, all successful, in the runner's layout."""
    results = [executed_smoke(stem) for stem in STEMS]
    for result in results:
        assert result.error is None, f"{result.notebook} failed: {result.error}"
    return results


@pytest.fixture(scope="module")
def built_site(executed) -> Path:
    """``make site`` with the notebooks already executed (``-o site-notebooks``)."""
    build_dir = executed[0].output.parent.parent
    done = subprocess.run(
        ["make", "-o", "site-notebooks", "site", "PROFILE=smoke", f"BUILD_DIR={build_dir}"],
        cwd=run.REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return build_dir / "site"


def test_gallery_page_shows_each_key_figure_beside_its_numbers(built_site, executed):
    rows = page(built_site / "index.html").select("table.gallery tbody tr")
    assert len(rows) == len(STEMS)
    for row, result in zip(rows, executed, strict=True):
        figure, numbers = row.find_all("td")
        target = f"notebooks/{result.notebook}.html"
        assert [link["href"] for link in figure.find_all("a")] == [target, target]
        assert Image.open(built_site / figure.img["src"]).width == gallery.THUMBNAIL_WIDTH
        metrics = dict(result.metrics)
        assert f"peak memory {metrics.pop('peak_rss_mb')} MB" in numbers.get_text()
        for line in gallery.metric_lines(metrics):
            assert line in numbers.get_text()


def test_notebook_pages_show_every_figure(built_site, executed):
    for result in executed:
        html = built_site / "notebooks" / f"{result.notebook}.html"
        images = [img["src"] for img in page(html).select("div.cell_output img")]
        files = [src for src in images if not src.startswith("data:")]  # data: the explorer's
        assert len(files) == png_outputs(result.output) > 0, result.notebook
        for src in files:
            assert (html.parent / src).is_file(), src


def test_front_page_links_every_guide_and_the_results(built_site):
    links = {link["href"] for link in page(built_site / "index.html").select("article a")}
    guides, results = site.doc_sections(DOCS)
    assert {"docs/running.html", "docs/colab.html", "docs/benchmarks.html"} <= links
    assert {f"docs/{stem}.html" for stem in guides + results} <= links


def test_math_is_typeset_by_mathjax(built_site):
    document = page(built_site / "notebooks" / "02_siamese_contrastive.html")
    formulas = [block.get_text() for block in document.select("div.math")]
    assert any("L = (1 - y)" in formula for formula in formulas), formulas
    assert any("mathjax" in script.get("src", "") for script in document.find_all("script"))


def test_every_page_has_the_table_of_contents_and_launch_buttons(built_site):
    for stem in STEMS:
        document = page(built_site / "notebooks" / f"{stem}.html")
        toc = [link["href"] for link in document.select("nav.bd-docs-nav a")]
        expected = ["#" if other == stem else f"{other}.html" for other in STEMS]
        guides, results = site.doc_sections(DOCS)
        assert toc == expected + [f"../docs/{page}.html" for page in guides + results]
        links = {link.get("href") for link in document.find_all("a")}
        notebook = run.NOTEBOOKS_DIR / f"{stem}.ipynb"
        assert launch.colab_url(notebook) in links
        assert launch.binder_url(notebook) in links


def test_runner_gallery_shows_thumbnails_beside_metrics(executed):
    output_dir = executed[0].output.parent
    index = gallery.write_index(executed, output_dir, "smoke")
    rows = page(index).select("tr")[1:]
    assert len(rows) == len(STEMS)
    for row, result in zip(rows, executed, strict=True):
        assert Image.open(output_dir / row.img["src"]).width == gallery.THUMBNAIL_WIDTH
        assert f"{next(iter(result.metrics))} = " in row.get_text()


def test_key_figure_is_the_last_png_output(tmp_path):
    def png(color: str) -> str:
        target = tmp_path / f"{color}.png"
        Image.new("RGB", (640, 480), color).save(target)
        return base64.b64encode(target.read_bytes()).decode()

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            outputs=[nbformat.v4.new_output("display_data", {"image/png": png(color)})]
        )
        for color in ("red", "blue")
    ]
    path = tmp_path / "figures.ipynb"
    nbformat.write(notebook, path)
    thumbnail = gallery.write_thumbnail(path, tmp_path / "thumbs" / "figures.png")
    image = Image.open(thumbnail).convert("RGB")
    assert image.size == (gallery.THUMBNAIL_WIDTH, 240)
    assert image.getpixel((10, 10)) == (0, 0, 255)

    notebook.cells = [nbformat.v4.new_markdown_cell("# Only words")]
    nbformat.write(notebook, path)
    assert gallery.write_thumbnail(path, tmp_path / "thumbs" / "none.png") is None
    assert not (tmp_path / "thumbs" / "none.png").exists()


def test_site_needs_every_executed_notebook(tmp_path):
    (tmp_path / "smoke").mkdir()
    with pytest.raises(FileNotFoundError, match="run `python -m simtools run --profile smoke`"):
        site.build_site("smoke", tmp_path)
    with pytest.raises(ValueError, match="profile='tiny' is unknown"):
        site.build_site("tiny", tmp_path)


def test_guides_come_in_reading_order_then_new_pages_then_the_results(tmp_path):
    for stem in ("benchmarks", "faq", "zebra", "colab", "running", "workshop", "apple"):
        (tmp_path / f"{stem}.md").write_text(f"# {stem.title()}\n")
    guides, results = site.doc_sections(tmp_path)
    assert guides == ["running", "colab", "workshop", "faq", "apple", "zebra"]
    assert results == ["benchmarks"]
    assert site.page_title(tmp_path / "faq.md") == "Faq"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")  # [text](target), images included
FENCED = re.compile(r"```.*?```", re.DOTALL)  # code blocks: their "# " lines are no headings
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)  # code blocks and spans hold no links


def anchors(page: Path) -> set[str]:
    """The anchors of ``page``'s headings, as GitHub and MyST spell them."""
    headings = re.findall(r"^#+ (.+)$", FENCED.sub("", page.read_text()), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-") for text in headings}


@pytest.mark.parametrize("source", PAGES, ids=lambda path: path.name)
def test_relative_links_reach_existing_files_and_headings(source):
    targets = LINK.findall(CODE.sub("", source.read_text()))
    for target in [target for target in targets if not re.match(r"[a-z]+:", target)]:
        path, _, anchor = target.partition("#")
        linked = (source.parent / path).resolve() if path else source
        assert linked.is_file(), f"{source.name}: {target} is missing"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{source.name}: {target} names no heading"
        if source.parent == DOCS:  # the site holds docs/ and notebooks/, nothing else
            outside = f"{source.name}: {target} lies outside the site (docs/, notebooks/)"
            assert linked.is_relative_to(DOCS) or linked.is_relative_to(run.NOTEBOOKS_DIR), outside


def test_colab_page_quotes_the_setup_cell():
    assert launch.COLAB_SETUP_SOURCE in (DOCS / "colab.md").read_text()
