"""simtools.outputs: stderr blocks above a page's first figure are found, later ones ignored."""

from simtools.outputs import main, stderr_before_first_figure

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


def test_command_exits_1_on_a_noisy_page(tmp_path, capsys):
    quiet, noisy = tmp_path / "quiet.html", tmp_path / "noisy.html"
    quiet.write_text(page(FIGURE))
    noisy.write_text(page(STDERR.format("absl"), FIGURE))
    assert main([str(quiet)]) == 0
    assert main([str(quiet), str(noisy)]) == 1
    assert "noisy.html: stderr before the first figure: 'absl'" in capsys.readouterr().out
