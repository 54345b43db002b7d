"""THE rounding of KPI figures: every page, the API where it rounds, the exports, the agenda and the
e-mails show a figure through `rounded()` (or `shown()` / `number()`, built on it).

A figure is rounded once, half up, on its decimal value: 1.955 with two decimals is 1.96, 0.125
is 0.13, 45.45 % with no decimals is 45 % (not 45.5 and then 46). Python's `round()` and
`format()` work on the binary float (1.955 is stored as 1.95499999…, and ties go to even), and a
ratio computed in floats may come out as 0.22499999999999998 where the counts give 0.225 exactly.

`to_decimal()` reads a float as the decimal it stands for: a double holds 15 significant decimal
digits, so its value to 15 significant digits drops the binary noise of the arithmetic that made
it (the sums and quotients of kpis.aggregation) and nothing a measurement could carry.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.utils.formats import number_format

SIGNIFICANT_DIGITS = 15  # what a double holds exactly (DBL_DIG)
_EXACT_INTEGERS = 10**SIGNIFICANT_DIGITS  # whole numbers below this have no more than 15 digits
_FORMAT = f".{SIGNIFICANT_DIGITS}g"
_INFINITY = float("inf")


def to_decimal(value) -> Decimal | None:
    """The decimal a number stands for (None stays None; Decimals and ints are taken as they are)."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value!r}")
    if number.is_integer() and -_EXACT_INTEGERS < number < _EXACT_INTEGERS:
        return Decimal(int(number))  # a count: the same decimal as below, without formatting it
    return Decimal(format(number, f".{SIGNIFICANT_DIGITS}g"))


def rounded(value, decimals: int) -> Decimal | None:
    """The figure rounded once, half up (away from zero on a tie), to `decimals` places."""
    exact = _float_decimal(value) if type(value) is float else to_decimal(value)
    if exact is None:
        return None
    try:
        return exact.quantize(_quantum(int(decimals)), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds: the number as it is
        return exact


@lru_cache(maxsize=64)
def _quantum(decimals: int) -> Decimal:
    """The step `rounded` quantizes to (10 ** -decimals), made once per number of decimals."""
    return Decimal(1).scaleb(-decimals)


def _float_decimal(number: float) -> Decimal:
    """`to_decimal` of a float, without its checks for None, Decimals and ints (the portfolio's hot path)."""
    if number.is_integer() and -_EXACT_INTEGERS < number < _EXACT_INTEGERS:
        return Decimal(int(number))
    if number != number or number in (_INFINITY, -_INFINITY):
        raise ValueError(f"not a finite number: {number!r}")
    return Decimal(format(number, _FORMAT))


def number(value, decimals: int) -> float | None:
    """The rounded figure as a float, for JSON and spreadsheet cells (its repr is the rounded decimal)."""
    figure = rounded(value, decimals)
    return None if figure is None else float(figure)


def shown(value, decimals: int, *, empty: str = "–") -> str:
    """The rounded figure as text in the active language's format (1,96 in Danish), like `floatformat`."""
    figure = rounded(value, decimals)
    if figure is None:
        return empty
    return number_format(figure, int(decimals))


def ratio(numerator, denominator, scale=1) -> float | None:
    """numerator ÷ denominator × scale, computed on the decimals (None when there is nothing to divide by)."""
    if numerator is None or not denominator:
        return None
    quotient = (_float_decimal(numerator) if type(numerator) is float else to_decimal(numerator)) / (
        _float_decimal(denominator) if type(denominator) is float else to_decimal(denominator)
    )
    if scale == 1:  # × 1 changes no digit of the quotient (it has at most the context's digits)
        return float(quotient)
    return float(quotient * _scale_decimal(scale))


@lru_cache(maxsize=256)
def _scale_decimal(scale) -> Decimal:
    """A KPI's scale as a decimal: a handful of values (1, 100, 1000), converted once each."""
    return to_decimal(scale)
