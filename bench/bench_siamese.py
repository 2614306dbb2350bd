"""Siamese benchmark: the keras.io tutorial as written against notebook 02, on the same data.

  reference: bench/reference_siamese.py (its make_pairs arrays, sigmoid head, batch 16, RMSprop,
             float32 as written; --epochs epochs), in a fresh process;
  ours:      notebook 02 run headless (its defaults otherwise) with the reference embedding
             network (--our-epochs) and the improved one (--improved-epochs), under each dtype
             policy of --policies ("float32"; "auto": mixed precision where the hardware computes
             it natively), each in its own kernel.
Both read the splits of simhelpers.load_dataset(--dataset) and halve the training split into
training and validation images, as the tutorial does. Every formulation runs --repeats times,
interleaved; the record (bench/results/siamese-<dataset>.json) holds test pair accuracy, fit
seconds and peak RSS per run and as mean (min-max).

    python -m bench.bench_siamese [--dataset mnist_10k] [--epochs 10] [--our-epochs 8]
        [--improved-epochs 10] [--repeats 2] [--policies float32,auto] [--results-dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import harness, lessons, render

POLICIES = ("float32", "auto", "mixed_bfloat16")
DATASETS = ("mnist_10k", "mnist", "fashion_mnist")  # notebook 02's
METRICS = ("test_accuracy", "fit_seconds", "peak_rss_mb")
REFERENCE = "reference tutorial"


def ours(dataset: str, network: str, epochs: int, policy: str, seed: int, folder: Path) -> dict:
    """Notebook 02 with one embedding network and dtype policy; the figures it records."""
    import simhelpers as sh

    (x_train, _), (x_test, _) = sh.load_dataset(dataset)
    half = len(x_train) // 2
    parameters = {
        "dataset": dataset,
        "train_size": half,
        "val_size": len(x_train) - half,
        "test_size": len(x_test),
        "embedding_network": network,
        "compare_networks": False,
        "epochs": epochs,
        "dtype_policy": policy,
        "seed": seed,
        "artifact_dir": str(folder / "artifacts"),
    }
    result = lessons.run_notebook("02", folder, parameters)
    if result.error:
        raise RuntimeError(f"notebook 02 ({network} network, {policy}) failed: {result.error}")
    return {key: result.metrics[key] for key in (*METRICS, "policy")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="mnist_10k", choices=DATASETS)
    parser.add_argument("--epochs", type=int, default=10, help="reference epochs (10)")
    parser.add_argument("--our-epochs", type=int, default=8, help="ours, reference network (8)")
    parser.add_argument("--improved-epochs", type=int, default=10, help="ours, improved network")
    parser.add_argument("--policies", default="float32,auto", help=f"ours', of {POLICIES}")
    harness.add_record_options(parser, repeats=2)
    args = parser.parse_args()
    harness.check_at_least_one(parser, args)
    policies = harness.choices(parser, "--policies", args.policies, POLICIES)

    parameters = {k: v for k, v in vars(args).items() if k != "results_dir"}
    record = harness.start_record("siamese", args.dataset, parameters)
    print(harness.describe(record["machine"]), flush=True)
    formulations = {REFERENCE: (None, None, args.epochs)}
    for policy in policies:
        formulations[f"ours, reference net, {policy}"] = ("reference", policy, args.our_epochs)
        formulations[f"ours, improved net, {policy}"] = ("improved", policy, args.improved_epochs)

    with tempfile.TemporaryDirectory() as workdir:

        def measure(name: str, seed: int) -> dict:
            network, policy, epochs = formulations[name]
            if network is None:
                arguments = {"dataset": args.dataset, "epochs": epochs, "seed": seed}
                row = harness.in_fresh_process("reference_siamese", "train", arguments)
            else:
                folder = Path(workdir) / f"{network}-{policy}-{seed}"
                row = ours(args.dataset, network, epochs, policy, seed, folder)
            return {"epochs": epochs, **row}

        runs = harness.interleave(list(formulations), args.repeats, measure)
    figures = {"runs": runs, "summary": harness.summarize_runs(runs, METRICS)}
    path = harness.finish_record(record, figures, args.results_dir)
    print(f"\n{render.section(path)}\nrecord: {path}")


if __name__ == "__main__":
    harness.run(globals(), main)
