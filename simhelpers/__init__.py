"""The learner library of the simlearn notebooks: ``import simhelpers as sh``.

What a learner should not have to read to understand similarity learning: loading data,
feeding batches at speed, fast retrieval metrics, figures, the threshold explorer and recording a
run's results. The ideas themselves (pairs, models, losses, thresholds) are written out in the
notebooks.
"""

from simhelpers.artifacts import (
    IncompleteArtifactError,
    load_similarity_model,
    read_manifest,
    save_folder_atomically,
    save_keras_model,
)
from simhelpers.checks import check_parameters, fill_unset, integer, positive
from simhelpers.data import CLASS_NAMES, DATASETS, load_dataset, to_rgb32
from simhelpers.explorer import show_threshold_explorer
from simhelpers.metrics import match_metrics, open_set_scores
from simhelpers.pairs import PairIndices, image_dataset, pair_dataset, to_model_input
from simhelpers.precision import POLICIES, choose_policy
from simhelpers.report import conclude, flat_metrics, peak_rss_mb, record_metrics
from simhelpers.retrieval import cosine_neighbors, retrieval_metrics
from simhelpers.sampling import multishot_dataset
from simhelpers.stack import (
    check_numpy_pin,
    defer_umap_import,
    no_progress_bars,
    use_legacy_keras,
    versions,
)
from simhelpers.viz import (
    plot_distance_histogram,
    plot_history,
    plot_matching,
    plot_open_set,
    plot_projection,
    plot_retrieval,
    plot_roc,
    plot_splits,
    plot_threshold_metrics,
    show_images,
    show_neighbors,
    show_pairs,
)

__version__ = "0.2.0"
