"""Siamese benchmark: the keras.io tutorial as written vs our notebook 02, on the same data.

Runs, one after another in fresh processes so that each peak RSS is its own:
  1. reference_siamese.py (its make_pairs arrays, sigmoid head, batch 16, RMSprop, 10 epochs);
  2. notebook 02 with the reference embedding network (papermill, our defaults otherwise);
  3. notebook 02 with the improved embedding network;
then prints test pair accuracy, fit seconds, seconds per epoch, peak RSS and the ratios.

    .venv/bin/python bench/bench_siamese.py [--dataset fashion_mnist] [--epochs 10]
        [--our-epochs 8] [--improved-epochs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from simtools import run

HERE = Path(__file__).resolve().parent


def reference(dataset: str, epochs: int) -> dict:
    command = [
        sys.executable,
        str(HERE / "reference_siamese.py"),
        "--dataset",
        dataset,
        "--epochs",
        str(epochs),
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def ours(dataset: str, network: str, epochs: int, workdir: Path) -> dict:
    parameters = {
        "dataset": dataset,
        "embedding_network": network,
        "compare_networks": False,
        "epochs": epochs,
        "output_dir": str(workdir / network),
    }
    notebook = run.resolve_notebook("02")
    result = run.execute(notebook, workdir / network, parameters, progress_bar=False)
    if result.error:
        raise RuntimeError(f"notebook 02 ({network}) failed: {result.error}")
    metrics = result.metrics
    return {
        "test_accuracy": metrics["test_accuracy"],
        "fit_seconds": metrics["fit_seconds"],
        "epochs": epochs,
        "peak_rss_mb": metrics["peak_rss_mb"],
        "policy": metrics["policy"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="fashion_mnist", choices=["fashion_mnist", "mnist"])
    parser.add_argument("--epochs", type=int, default=10, help="reference epochs (default 10)")
    parser.add_argument(
        "--our-epochs", type=int, default=8, help="notebook epochs, reference network (default 8)"
    )
    parser.add_argument(
        "--improved-epochs",
        type=int,
        default=10,
        help="notebook epochs, improved network (default 10)",
    )
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"dataset: {args.dataset}, 30,000 training images -> 60,000 pairs\n", flush=True)
    rows = {"reference tutorial": reference(args.dataset, args.epochs)}
    print("reference done", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        for network, epochs in (("reference", args.our_epochs), ("improved", args.improved_epochs)):
            row = rows[f"ours, {network} network"] = ours(
                args.dataset, network, epochs, Path(workdir)
            )
            print(f"ours ({network}) done, {row['policy']}", flush=True)

    base = rows["reference tutorial"]
    print(
        f"\n{'formulation':<28}{'test acc':>9}{'fit s':>8}{'s/epoch':>9}{'peak MB':>9}"
        f"{'acc ratio':>10}{'time ratio':>11}{'RSS ratio':>10}"
    )
    for name, row in rows.items():
        print(
            f"{name:<28}{row['test_accuracy']:>9.4f}{row['fit_seconds']:>8.1f}"
            f"{row['fit_seconds'] / row['epochs']:>9.1f}{row['peak_rss_mb']:>9}"
            f"{row['test_accuracy'] / base['test_accuracy']:>10.3f}"
            f"{row['fit_seconds'] / base['fit_seconds']:>11.3f}"
            f"{row['peak_rss_mb'] / base['peak_rss_mb']:>10.3f}"
        )
    print(
        "\nratios are ours / reference; test acc is pair accuracy on the test split's 20,000 pairs"
    )
    print(
        "(reference: its sigmoid output at 0.5; ours: a distance threshold from validation pairs)"
    )


if __name__ == "__main__":
    main()
