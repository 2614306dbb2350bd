"""Sphinx configuration of the published site: MyST-NB pages of notebooks the runner already
executed (``python -m simtools.site``), in the book theme with Colab and Binder launch buttons."""

from simtools.launch import BRANCH, GITHUB_REPOSITORY

project = "simlearn notebooks"
author = "the simlearn-notebooks authors"
html_title = "Similarity learning for images"
extensions = ["myst_nb"]
exclude_patterns = ["**/.ipynb_checkpoints"]

# Executed by papermill with a profile's values; the site shows those outputs as they are.
nb_execution_mode = "off"
nb_merge_streams = True
nb_output_stderr = "remove"  # TensorFlow's and Keras's warnings; the runner's HTML keeps them
# No widget state is saved by a headless run: show each widget's plain-text fallback instead.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}  # so no widget manager scripts either
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3  # the notebooks link to sections of docs/benchmarks.md
# The metrics record (application/vnd.simlearn.metrics+json) comes with a text/plain table, which
# the page shows; MyST-NB would still warn about the record, and warnings fail the build.
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["gallery.css"]
html_theme_options = {
    "repository_url": f"https://github.com/{GITHUB_REPOSITORY}",
    "repository_branch": BRANCH,
    # Pages keep the repository's layout (notebooks/NAME.ipynb), so the theme's launch links are
    # simtools.launch's colab_url and binder_url.
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
}
