"""Checks shared by several test modules (imported as ``helpers``: pytest puts tests/ on the path).

Not a package named ``tests``: TensorFlow Similarity's wheel installs a top-level one.
"""

import html
import re

# nbconvert's lab template marks each stream output with its MIME type.
_STDERR = re.compile(
    r'data-mime-type="application/vnd\.jupyter\.stderr"[^>]*>(.*?)</div>', re.DOTALL
)
_FIGURE = re.compile(r"<img\s[^>]*src=\"data:image/")


def stderr_before_first_figure(page: str) -> list[str]:
    """The text of every stderr block in ``page`` (nbconvert HTML) above its first image: what a
    reader of an executed notebook's page sees before its first figure should hold none."""
    body = page[page.find("<body") :]  # the page's style sheet names the stderr type too
    figure = _FIGURE.search(body)
    head = body[: figure.start()] if figure else body
    return [html.unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in _STDERR.findall(head)]


CHECKED = "# NBVAL_CHECK_OUTPUT"  # nbval's marker of a cell whose output must reproduce
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def checked_outputs(executed) -> dict[str, str]:
    """Cell id -> the text output of each ``# NBVAL_CHECK_OUTPUT`` cell of an executed notebook."""
    import nbformat

    found = {}
    for cell in nbformat.read(executed, as_version=4).cells:
        if cell.cell_type == "code" and cell.source.startswith(CHECKED):
            found[cell.id] = "".join(
                output.get("text", "") for output in cell.outputs if output.get("name") == "stdout"
            )
    return found


def same_output(expected: str, actual: str, relative: float) -> bool:
    """Whether two outputs have the same text and numbers within ``relative`` of each other.

    Hand-written because nbval compares only by executing a notebook again; this compares the
    one execution the tests make with the outputs recorded from an earlier one, and lets
    floating-point results differ in their last digits between machines.
    """
    if _NUMBER.sub("#", expected) != _NUMBER.sub("#", actual):
        return False
    pairs = zip(_NUMBER.findall(expected), _NUMBER.findall(actual), strict=True)
    return all(abs(float(a) - float(b)) <= relative * max(abs(float(a)), 1e-12) for a, b in pairs)
