"""Plumbing for the simlearn notebooks: data, pairs, plots, metrics and execution."""

from simhelpers.data import CLASS_NAMES, DATASETS, load_dataset, to_rgb32

__all__ = ["CLASS_NAMES", "DATASETS", "load_dataset", "to_rgb32"]
__version__ = "0.1.0"
