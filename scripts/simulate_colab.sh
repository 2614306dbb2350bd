#!/usr/bin/env bash
# Runs the notebooks' Colab setup cell as Colab would, then notebook 01's smoke profile.
#
# The simulated runtime: a fresh virtual environment holding what Colab preinstalls and we rely
# on (a TensorFlow of another minor version than requirements.txt pins, with its Keras 3, numpy,
# ipykernel and nbconvert), COLAB_RELEASE_TAG set (what the cell checks for), and SIMLEARN_SOURCE
# pointing at this checkout instead of GitHub (the cell clones it, as Colab would clone GitHub).
# The notebook runs with nbconvert, as papermill is not part of Colab; its smoke values are
# injected beforehand with `simhelpers prepare`.
#
# Usage: scripts/simulate_colab.sh [TENSORFLOW_VERSION]   (default 2.20.0; needs PyPI access)
set -euo pipefail
tensorflow=${1:-2.20.0}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/simulate-colab.XXXXXX)
echo "simulated Colab runtime in $work (TensorFlow $tensorflow preinstalled)"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q "tensorflow==$tensorflow" ipykernel nbconvert
"$work/venv/bin/python" -m pip list 2>/dev/null | grep -iE "^(tensorflow|keras|numpy|tf-keras) " |
  sed 's/^/preinstalled: /'
mkdir "$work/content"
"$repo/.venv/bin/python" -m simhelpers prepare --profile smoke --output-dir "$work/content" 01
cd "$work/content"
COLAB_RELEASE_TAG=simulated SIMLEARN_SOURCE="file://$repo" TF_CPP_MIN_LOG_LEVEL=3 \
  "$work/venv/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.timeout=1800 --output executed.ipynb 01_metric_learning.ipynb
"$work/venv/bin/python" - <<'PY'
import json

cells = json.load(open("executed.ipynb"))["cells"]
for cell in cells:
    for output in cell.get("outputs", []):
        text = "".join(output.get("text", ""))
        if "Colab setup" in text or "tensorflow " in text or "tf-keras" in text:
            print(text.rstrip())
metrics = [c for c in cells if "record_metrics(" in "".join(c["source"])][0]
for output in metrics["outputs"]:
    text = output.get("data", {}).get("text/plain", "")
    print("".join(text) if isinstance(text, list) else text)
PY
echo "notebook 01 (smoke) ran in the simulated Colab runtime: $work/content/executed.ipynb"
