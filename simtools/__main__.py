"""Command line, from the repository's root: ``python -m simtools run|sweep|prepare ...``

simtools run [--profile smoke|quick|full] [NOTEBOOK ...]
simtools sweep NOTEBOOK -p NAME VALUE [VALUE ...] [-p ...] [--profile smoke]
               [--jobs N | --scheduler ADDRESS [--resources GPU=1]]
simtools prepare --profile quick --output-dir DIR [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simtools import run
from simtools.records import RunResult


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run it, and return the exit status."""
    parser = argparse.ArgumentParser(
        prog="simtools", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="execute notebooks headlessly with papermill")
    run_parser.add_argument("notebooks", nargs="*", help="names, numbers (02) or paths; all")
    run_parser.add_argument("--profile", default="quick", help="smoke, quick or full (quick)")
    sweep_parser = commands.add_parser("sweep", help="run one notebook over a grid of parameters")
    sweep_parser.add_argument("notebook", help="name, number (02) or path")
    sweep_parser.add_argument(
        "-p",
        "--parameter",
        nargs="+",
        action="append",
        required=True,
        metavar=("NAME", "VALUE"),
        help="a parameter and its values (YAML: 2 is an int, 2.0 a float); repeat for a grid",
    )
    sweep_parser.add_argument("--profile", default="smoke", help="base profile (smoke)")
    sweep_parser.add_argument("--jobs", type=int, help="runs in parallel on this machine (1)")
    sweep_parser.add_argument("--scheduler", metavar="ADDRESS", help="a Dask cluster's scheduler")
    sweep_parser.add_argument(
        "--resources", metavar="NAME=N", help="worker resources each run claims, e.g. GPU=1"
    )
    sweep_parser.add_argument("--metric", help="metric to plot (default: the first reported)")
    sweep_parser.add_argument("--against", help="parameter on the x axis (default: the first)")
    for command in (run_parser, sweep_parser):
        command.add_argument("--build-dir", type=Path, default=None, help="default: build/")
    prepare_parser = commands.add_parser(
        "prepare", help="write notebooks with a profile's values injected, not executed"
    )
    prepare_parser.add_argument("notebooks", nargs="*", help="names, numbers or paths; all")
    prepare_parser.add_argument("--profile", default="quick", help="default: quick")
    prepare_parser.add_argument("--output-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            for path in run.prepare(args.profile, args.output_dir, args.notebooks):
                print(f"wrote {path} ({args.profile} profile)")
            return 0
        if args.command == "sweep":
            results = _sweep(args)
        else:
            results = run.run_profile(args.profile, args.notebooks, args.build_dir)
    except ValueError as error:
        parser.exit(2, f"simtools: error: {error}\n")
    print(run.summary_table(results))
    if args.command == "sweep":
        print(f"results in {results[0].output.parents[1]}")  # <sweep>/<run folder>/<notebook>
    failed = [result for result in results if result.error]
    for result in failed:
        print(f"{result.notebook} failed at {result.error} (see {result.output})", file=sys.stderr)
    return 1 if failed else 0


def _sweep(args: argparse.Namespace) -> list[RunResult]:
    """The sweep the command line asks for, checked, then run."""
    # Imported here: Dask is installed for sweeps, not on Binder, where `prepare` runs.
    from simtools.sweep import parse_resources, parse_value, sweep

    axes = {}
    for name, *values in args.parameter:
        if not values:
            raise ValueError(f"parameter {name!r} has no values; use -p {name} VALUE [VALUE ...]")
        if name in axes:
            raise ValueError(f"parameter {name!r} is given twice; list all its values after one -p")
        axes[name] = [parse_value(value) for value in values]
    resources = parse_resources(args.resources) if args.resources else None
    if resources and not args.scheduler:
        raise ValueError(f"resources={args.resources!r} needs --scheduler (a cluster's workers)")
    return sweep(
        args.notebook,
        axes,
        args.profile,
        args.jobs,
        args.build_dir,
        args.metric,
        args.against,
        args.scheduler,
        resources,
    )


if __name__ == "__main__":
    sys.exit(main())
