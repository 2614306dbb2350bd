"""Every sentence a notebook writes about its own run agrees with the numbers it recorded.

The notebooks show these sentences with ``simhelpers.conclude`` (Markdown marked with
``simhelpers.report.CONCLUSION``); the tests read them back from the smoke runs executed once per
session and check each verdict against the recorded metrics.
"""

import re

import nbformat
import pytest

from simhelpers.report import CONCLUSION

MINIMUM_CONCLUSIONS = {  # the figures and tables each notebook must read aloud
    "01_metric_learning": 5,
    "02_siamese_contrastive": 5,
    "03_calibration_and_projection": 8,
    "04_metric_learning_keras3": 5,
}


def conclusions(executed) -> list[str]:
    """The text of every conclusion in an executed notebook, in order."""
    found = []
    for cell in nbformat.read(executed, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("simlearn") == CONCLUSION["simlearn"]:
                found.append(output["data"]["text/markdown"])
    return found


def one(texts: list[str], pattern: str) -> re.Match:
    """The only match of ``pattern`` among ``texts``."""
    matches = [m for m in (re.search(pattern, text) for text in texts) if m]
    assert len(matches) == 1, f"{len(matches)} conclusions match {pattern!r}: {texts}"
    return matches[0]


def side(value: float, baseline: float) -> str:
    return "above" if value > baseline else "not above"


@pytest.mark.parametrize("stem", list(MINIMUM_CONCLUSIONS))
def test_each_notebook_reads_its_results_aloud(executed_smoke, stem):
    result = executed_smoke(stem)
    assert result.error is None, result.error
    texts = conclusions(result.output)
    assert len(texts) >= MINIMUM_CONCLUSIONS[stem], texts
    assert all("nan" not in text for text in texts), texts


@pytest.mark.parametrize("stem", ["01_metric_learning", "04_metric_learning_keras3"])
def test_metric_learning_verdicts_name_the_better_of_learned_and_baseline(executed_smoke, stem):
    result = executed_smoke(stem)
    metrics, texts = result.metrics, conclusions(result.output)
    for prefix, name in [("pixels_", "raw pixels"), ("untrained_", "the untrained network")]:
        for metric, key in [("precision@1", "precision_at_1"), ("MAP@R", "map_at_r")]:
            found = one(
                texts, rf"(not above|above) {name} on {re.escape(metric)} \((\S+) vs (\S+),"
            )
            assert found.group(1) == side(metrics[key], metrics[prefix + key])
            assert float(found.group(2)) == pytest.approx(metrics[key], abs=5e-4)
            assert float(found.group(3)) == pytest.approx(metrics[prefix + key], abs=5e-4)


def test_siamese_verdicts_quote_the_recorded_accuracies(executed_smoke):
    result = executed_smoke("02_siamese_contrastive")
    metrics, texts = result.metrics, conclusions(result.output)
    found = one(texts, r"decides right (\S+)% of the time against (\S+)% for the raw-pixel")
    assert float(found.group(1)) == pytest.approx(100 * metrics["test_accuracy"], abs=0.05)
    assert float(found.group(2)) == pytest.approx(100 * metrics["pixels_test_accuracy"], abs=0.05)
    found = one(texts, r"embedding, (above|not above) the (\S+) of the raw pixels")
    expected = side(metrics["nn_accuracy"], metrics["pixels_nn_accuracy"])
    assert found.group(1) == expected
    assert float(found.group(2)) == pytest.approx(metrics["pixels_nn_accuracy"], abs=5e-4)


def test_open_set_rule_never_loses_to_accepting_everything_on_calibration(executed_smoke):
    metrics = executed_smoke("03_calibration_and_projection").metrics
    assert (
        metrics["rule_calibration_open_set_accuracy"]
        >= metrics["accept_all_calibration_open_set_accuracy"]
    )
    keras3 = executed_smoke("04_metric_learning_keras3").metrics
    assert (
        keras3["rule_calibration_open_set_accuracy"]
        >= keras3["accept_all_calibration_open_set_accuracy"]
    )


def test_open_set_verdicts_agree_with_the_recorded_scores(executed_smoke):
    result = executed_smoke("03_calibration_and_projection")
    metrics, texts = result.metrics, conclusions(result.output)
    rows = {"accept everything": "accept_all", "optimal F1": "optimal", "our rule": "rule",
            "precision >=": "precise"}  # fmt: skip
    winner = one(texts, r"The best row is \*([^*]+)\*").group(1)
    (key,) = [key for start, key in rows.items() if winner.startswith(start)]
    scores = {key: metrics[f"{key}_open_set_accuracy"] for key in rows.values()}
    assert scores[key] == max(scores.values())
    found = one(texts, r"rejects something in (\d+) of the 45 splits and beats accepting")
    assert int(found.group(1)) == metrics["splits_rejecting"]
    found = one(texts, r"beats accepting everything in (\d+) of them")
    assert int(found.group(1)) == metrics["splits_gaining"]
    held = one(texts, r"The precision target of \S+ (held|did not hold)").group(1)
    assert (held == "held") == (metrics["precise_precision"] >= 0.9)
    chosen = one(texts, r"rejects by the \*\*(\w+)\*\*").group(1)
    assert chosen == metrics["chosen_score"]
