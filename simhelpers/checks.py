"""Parameter validation in one call: a table of what each parameter allows.

    sh.check_parameters(globals(), {
        "dataset": ["mnist", "fashion_mnist"],             # one of these values
        "epochs": sh.integer(1),                            # an int >= 1
        "learning_rate": sh.positive(1, optional=True),    # 0 < x <= 1, or None
    })

A bad value stops the notebook with one line naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass
from numbers import Real


@dataclass(frozen=True)
class Bounds:
    """An int from ``low`` to ``high`` (both included), or a real number above 0 and at most
    ``high``; ``None`` passes when ``optional``."""

    kind: type
    low: float
    high: float | None = None
    optional: bool = False

    def allows(self, value: object) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        above = value >= self.low if self.kind is int else value > self.low
        return above and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        if self.kind is int and self.high is not None:
            text = f"an integer from {self.low} to {self.high}"
        elif self.kind is int:
            text = f"an integer >= {self.low}"
        else:
            text = "a number > 0" + ("" if self.high is None else f" and <= {self.high}")
        return text + (", or None" if self.optional else "")


def integer(low: int, high: int | None = None, optional: bool = False) -> Bounds:
    """An int (not a bool) from ``low`` to ``high``, both included."""
    return Bounds(int, low, high, optional)


def positive(high: float | None = None, optional: bool = False) -> Bounds:
    """A real number above 0 and at most ``high`` (a rate, a margin, a precision)."""
    return Bounds(Real, 0, high, optional)


def check_parameters(
    values: Mapping[str, object], rules: Mapping[str, Bounds | Collection]
) -> None:
    """Raise ``ValueError`` for the first of ``rules`` that ``values`` (e.g. ``globals()``) breaks.

    A rule is ``integer(...)``/``positive(...)`` or a collection of allowed values.
    """
    for name, rule in rules.items():
        if name not in values:
            raise ValueError(f"parameter {name!r} is not defined; check the parameters cell")
        value = values[name]
        if isinstance(rule, Bounds):
            if not rule.allows(value):
                raise ValueError(f"{name}={value!r} is invalid; expected {rule}")
        elif not any(value == allowed and type(value) is type(allowed) for allowed in rule):
            raise ValueError(f"{name}={value!r} is invalid; allowed: {', '.join(map(repr, rule))}")


def fill_unset(values: MutableMapping[str, object], defaults: Mapping[str, object]) -> None:
    """Give each name of ``defaults`` whose value in ``values`` (e.g. ``globals()``) is ``None``
    its default: a scale's or a recipe's values, without overriding what was set by hand."""
    for name, default in defaults.items():
        if values.get(name) is None:
            values[name] = default
