"""simhelpers.checks: one-line errors that name the parameter, the value and what is allowed."""

import pytest

from simhelpers.checks import check_choice, check_int, check_number


def test_valid_values_pass():
    check_choice("optimizer", "adam", ["adam", "sgd"])
    check_int("epochs", 3, 1)
    check_int("seed", 0, 0, 10)
    check_number("margin", 0.5, 0)
    check_number("learning_rate", 1, 0, 1)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: check_choice("optimizer", "adamw", ["adam", "sgd"]),
            "optimizer='adamw' is invalid; allowed: 'adam', 'sgd'",
        ),
        (lambda: check_int("epochs", 0, 1), "epochs=0 is invalid; expected an integer >= 1"),
        (lambda: check_int("epochs", 2.0, 1), "epochs=2.0 is invalid; expected an integer >= 1"),
        (lambda: check_int("flag", True, 0), "flag=True is invalid"),
        (
            lambda: check_int("size", 11, 1, 10),
            "size=11 is invalid; expected an integer from 1 to 10",
        ),
        (lambda: check_number("margin", 0, 0), "margin=0 is invalid; expected a number > 0"),
        (lambda: check_number("margin", "1", 0), "margin='1' is invalid; expected a number > 0"),
        (
            lambda: check_number("learning_rate", 2, 0, 1),
            "learning_rate=2 is invalid; expected a number > 0 and <= 1",
        ),
    ],
)
def test_invalid_values_get_one_line(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == message or str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
