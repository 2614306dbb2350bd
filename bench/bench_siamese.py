"""Siamese benchmark: the keras.io tutorial as written vs our notebook 02, on the same data.

Runs, each in a fresh process so that each peak RSS is its own:
  reference: reference_siamese.py (its make_pairs arrays, sigmoid head, batch 16, RMSprop,
             float32 as written, --epochs epochs);
  ours:      notebook 02 (papermill, its defaults otherwise) with the reference embedding network
             (--our-epochs) and with the improved one (--improved-epochs), under each dtype policy
             of --policies ("float32", and "auto": mixed precision where the hardware computes it
             natively).
Every formulation runs --repeats times, interleaved (repeat r uses seed 1337 + r for all of them,
and starts the order one formulation later); prints the machine, then test pair accuracy, fit
seconds, seconds per epoch and peak RSS as mean (min-max), the ratios of the means, and the
issue's targets.

    .venv/bin/python bench/bench_siamese.py [--dataset fashion_mnist] [--epochs 10]
        [--our-epochs 8] [--improved-epochs 10] [--repeats 2] [--policies float32,auto]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import describe, spread

from simtools import run

HERE = Path(__file__).resolve().parent
SEED = 1337
POLICIES = ("float32", "auto", "mixed_bfloat16")
PEAK_TARGET_MB = 1100  # "peak at most 1.1 GB" for the reference network
IMPROVED_ACCURACY_TARGET = 0.93


def reference(dataset: str, epochs: int, seed: int) -> dict:
    """The keras.io tutorial's run, in its own process."""
    command = [sys.executable, str(HERE / "reference_siamese.py"), "--dataset", dataset]
    command += ["--epochs", str(epochs), "--seed", str(seed)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"reference_siamese.py failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ours(dataset: str, network: str, epochs: int, policy: str, seed: int, workdir: Path) -> dict:
    """Notebook 02 with one embedding network and dtype policy, through papermill."""
    folder = workdir / f"{network}-{policy}-{seed}"
    parameters = {
        "dataset": dataset,
        "embedding_network": network,
        "compare_networks": False,
        "epochs": epochs,
        "dtype_policy": policy,
        "seed": seed,
        "artifact_dir": str(folder / "artifacts"),
    }
    result = run.execute(run.resolve_notebook("02"), folder, parameters, progress_bar=False)
    if result.error:
        raise RuntimeError(f"notebook 02 ({network}, {policy}) failed: {result.error}")
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
        "--improved-epochs", type=int, default=10, help="notebook epochs, improved network"
    )
    parser.add_argument("--repeats", type=int, default=2, help="runs of each formulation")
    parser.add_argument(
        "--policies", default="float32,auto", help=f"ours' dtype policies, from {POLICIES}"
    )
    args = parser.parse_args()
    policies = args.policies.split(",")
    for policy in policies:
        if policy not in POLICIES:
            parser.error(f"--policies {policy!r} is invalid; expected some of {POLICIES}")
    for name in ("epochs", "our_epochs", "improved_epochs", "repeats"):
        if getattr(args, name) < 1:
            option = "--" + name.replace("_", "-")
            parser.error(f"{option} {getattr(args, name)} is invalid; expected at least 1")

    print(describe())
    print(
        f"dataset: {args.dataset}, 30,000 training images -> 60,000 pairs; "
        f"{args.repeats} interleaved runs each\n",
        flush=True,
    )
    formulations = [("reference tutorial", None, args.epochs)]
    for policy in policies:
        formulations.append((f"ours, reference net, {policy}", policy, args.our_epochs))
        formulations.append((f"ours, improved net, {policy}", policy, args.improved_epochs))
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in formulations}
    with tempfile.TemporaryDirectory() as workdir:
        for repeat in range(args.repeats):
            seed = SEED + repeat
            shift = repeat % len(formulations)
            for name, policy, epochs in formulations[shift:] + formulations[:shift]:
                if policy is None:
                    row = reference(args.dataset, epochs, seed)
                else:
                    network = "improved" if "improved" in name else "reference"
                    row = ours(args.dataset, network, epochs, policy, seed, Path(workdir))
                runs[name].append(row)
                print(
                    f"run {repeat + 1}: {name} ({row.get('policy', 'float32')}): "
                    f"{row['test_accuracy']:.4f} in {row['fit_seconds']:.0f} s",
                    flush=True,
                )

    means = {
        name: {
            key: statistics.fmean(row[key] for row in rows)
            for key in ("test_accuracy", "fit_seconds", "peak_rss_mb")
        }
        for name, rows in runs.items()
    }
    base = means["reference tutorial"]
    print(
        f"\n{'mean (min-max)':<32}{'test acc':>22}{'fit s':>20}{'s/epoch':>9}{'peak MB':>20}"
        f"{'acc ratio':>10}{'time ratio':>11}{'RSS ratio':>10}"
    )
    for name, rows in runs.items():
        mean = means[name]
        print(
            f"{name:<32}{spread([r['test_accuracy'] for r in rows], 4):>22}"
            f"{spread([r['fit_seconds'] for r in rows]):>20}"
            f"{mean['fit_seconds'] / rows[0]['epochs']:>9.1f}"
            f"{spread([r['peak_rss_mb'] for r in rows], 0):>20}"
            f"{mean['test_accuracy'] / base['test_accuracy']:>10.3f}"
            f"{mean['fit_seconds'] / base['fit_seconds']:>11.3f}"
            f"{mean['peak_rss_mb'] / base['peak_rss_mb']:>10.3f}"
        )
    print(
        "\nratios are ours / reference (means); test acc is pair accuracy on the test split's "
        "20,000 pairs\n(reference: its sigmoid output at 0.5; ours: a distance threshold chosen "
        "on validation pairs)\n\ntargets, per policy:"
    )
    for policy in policies:
        small = means[f"ours, reference net, {policy}"]
        improved = means[f"ours, improved net, {policy}"]
        print(
            f"  {policy}: reference net accuracy >= {base['test_accuracy']:.4f} (measured "
            f"{small['test_accuracy']:.4f}), fit time <= 1/3 (measured "
            f"{small['fit_seconds'] / base['fit_seconds']:.3f}), peak <= {PEAK_TARGET_MB} MB "
            f"(measured {small['peak_rss_mb']:.0f}); improved net accuracy >= "
            f"{IMPROVED_ACCURACY_TARGET} (measured {improved['test_accuracy']:.4f}), fit time "
            f"<= the reference's (measured {improved['fit_seconds'] / base['fit_seconds']:.3f})"
        )


if __name__ == "__main__":
    main()
