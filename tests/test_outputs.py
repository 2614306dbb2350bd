"""helpers.stderr_before_first_figure: stderr blocks above a page's first figure are found, later
ones and the style sheet ignored."""

from helpers import stderr_before_first_figure

STYLE = "<style>.jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr'] {}</style>"
STDERR = (
    '<div class="jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr">'
    "<pre>{}</pre></div>"
)
FIGURE = (
    '<img alt="No description has been provided for this image" src="data:image/png;base64,AA">'
)


def page(*parts: str) -> str:
    return f"<html><head>{STYLE}</head><body>{''.join(parts)}</body></html>"


def test_stderr_above_the_first_figure_is_reported():
    found = stderr_before_first_figure(page(STDERR.format("cuInit &amp; oneDNN"), FIGURE))
    assert found == ["cuInit & oneDNN"]


def test_stderr_below_the_first_figure_and_the_style_sheet_are_not():
    assert stderr_before_first_figure(page("<p>text</p>", FIGURE, STDERR.format("late"))) == []


def test_every_block_above_a_page_without_figure_is_reported():
    noisy = page(STDERR.format("absl"), "<p>text</p>", STDERR.format("oneDNN"))
    assert stderr_before_first_figure(noisy) == ["absl", "oneDNN"]
