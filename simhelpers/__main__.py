"""Command line: ``python -m simhelpers run [--profile NAME] [NOTEBOOK ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simhelpers import run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run it, and return the exit status."""
    parser = argparse.ArgumentParser(prog="simhelpers", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="execute notebooks headlessly with papermill")
    run_parser.add_argument(
        "notebooks", nargs="*", help="names, numbers (02) or paths; all by default"
    )
    run_parser.add_argument(
        "--profile", default="quick", help="smoke, quick or full (default: quick)"
    )
    run_parser.add_argument("--build-dir", type=Path, default=None, help="default: build/")
    args = parser.parse_args(argv)
    try:
        results = run.run_profile(args.profile, args.notebooks, args.build_dir)
    except ValueError as error:
        parser.exit(2, f"simhelpers: error: {error}\n")
    print(run.summary_table(results))
    failed = [r for r in results if r.error]
    for result in failed:
        print(f"{result.notebook} failed at {result.error} (see {result.output})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
