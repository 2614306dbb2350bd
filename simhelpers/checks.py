"""One-line validation of notebook parameters: name, value and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real


def check_choice(name: str, value: object, allowed: Iterable[object]) -> None:
    """``value`` must be one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is invalid; allowed: {', '.join(map(repr, allowed))}")


def check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    """``value`` must be an int (not a bool) in ``[minimum, maximum]``."""
    bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if not is_int or value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name}={value!r} is invalid; expected an integer {bounds}")


def check_number(name: str, value: object, low: float, high: float | None = None) -> None:
    """``value`` must be a real number with ``low < value`` (and ``value <= high`` if given)."""
    bounds = f"> {low}" if high is None else f"> {low} and <= {high}"
    is_number = isinstance(value, Real) and not isinstance(value, bool)
    if not is_number or not value > low or (high is not None and value > high):
        raise ValueError(f"{name}={value!r} is invalid; expected a number {bounds}")
