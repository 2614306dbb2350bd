"""simhelpers.checks: one call checks a table of rules; errors name parameter, value, rule."""

import pytest

from simhelpers.checks import check_parameters, fill_unset, integer, positive

RULES = {
    "optimizer": ["adam", "sgd"],
    "fresh_pairs": [True, False],
    "epochs": integer(1),
    "seed": integer(0, 10),
    "margin": positive(),
    "learning_rate": positive(1, optional=True),
}
GOOD = dict(optimizer="adam", fresh_pairs=False, epochs=3, seed=0, margin=0.5, learning_rate=1)


def test_valid_values_pass():
    check_parameters(GOOD, RULES)
    check_parameters({**GOOD, "learning_rate": None, "margin": 2}, RULES)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"optimizer": "adamw"}, "optimizer='adamw' is invalid; allowed: 'adam', 'sgd'"),
        ({"fresh_pairs": 1}, "fresh_pairs=1 is invalid; allowed: True, False"),
        ({"epochs": 0}, "epochs=0 is invalid; expected an integer >= 1"),
        ({"epochs": 2.0}, "epochs=2.0 is invalid; expected an integer >= 1"),
        ({"epochs": True}, "epochs=True is invalid"),
        ({"epochs": None}, "epochs=None is invalid; expected an integer >= 1"),
        ({"seed": 11}, "seed=11 is invalid; expected an integer from 0 to 10"),
        ({"margin": 0}, "margin=0 is invalid; expected a number > 0"),
        ({"margin": "1"}, "margin='1' is invalid; expected a number > 0"),
        (
            {"learning_rate": 2},
            "learning_rate=2 is invalid; expected a number > 0 and <= 1, or None",
        ),
    ],
)
def test_invalid_values_name_parameter_value_and_rule(change, message):
    with pytest.raises(ValueError) as caught:
        check_parameters({**GOOD, **change}, RULES)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_rule_for_a_missing_parameter_is_reported():
    with pytest.raises(ValueError, match="parameter 'epochs' is not defined"):
        check_parameters({k: v for k, v in GOOD.items() if k != "epochs"}, RULES)


def test_fill_unset_fills_only_what_is_none():
    values = {"epochs": None, "margin": 2.0, "seed": 0}
    fill_unset(values, {"epochs": 8, "margin": 1.0, "batch_size": 16})
    assert values == {"epochs": 8, "margin": 2.0, "seed": 0, "batch_size": 16}
