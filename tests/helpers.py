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
