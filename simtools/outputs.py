"""What a reader of an executed notebook's HTML sees before its first figure: no stderr blocks.

``python -m simtools.outputs build/quick/*.html`` lists the stderr blocks that come before the
first figure of each page (TensorFlow's C++ start-up lines, library warnings) and exits 1 if any.
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

# nbconvert's lab template marks each stream output with its MIME type.
_STDERR = re.compile(
    r'data-mime-type="application/vnd\.jupyter\.stderr"[^>]*>(.*?)</div>', re.DOTALL
)
_FIGURE = re.compile(r"<img\s[^>]*src=\"data:image/")


def stderr_before_first_figure(page: str) -> list[str]:
    """The text of every stderr block in ``page`` (nbconvert HTML) above its first image."""
    body = page[page.find("<body") :]  # the page's style sheet names the stderr type too
    figure = _FIGURE.search(body)
    head = body[: figure.start()] if figure else body
    return [html.unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in _STDERR.findall(head)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simtools.outputs", description=__doc__)
    parser.add_argument("pages", nargs="+", type=Path, help="executed notebooks exported to HTML")
    args = parser.parse_args(argv)
    noisy = 0
    for page in args.pages:
        for block in stderr_before_first_figure(page.read_text(encoding="utf-8")):
            noisy += 1
            print(f"{page}: stderr before the first figure: {block[:200]!r}")
    return 1 if noisy else 0


if __name__ == "__main__":
    raise SystemExit(main())
