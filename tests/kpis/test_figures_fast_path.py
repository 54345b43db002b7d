"""kpis.figures' fast paths (floats, cached quanta and scales, no × 1) give exactly the figures the
plain definitions give: the same float from `ratio`, the same decimal (digits and exponent) from
`rounded`, over random values, halves and other ties, counts, and the edge cases."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpis import figures


def _to_decimal(value):  # kpis.figures.to_decimal before the fast paths, verbatim
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value!r}")
    if number.is_integer() and -(10**15) < number < 10**15:
        return Decimal(int(number))
    return Decimal(format(number, ".15g"))


def _rounded(value, decimals):  # kpis.figures.rounded before the fast paths, verbatim
    exact = _to_decimal(value)
    if exact is None:
        return None
    try:
        return exact.quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return exact


def _ratio(numerator, denominator, scale=1):  # kpis.figures.ratio before the fast paths, verbatim
    if numerator is None or not denominator:
        return None
    return float(_to_decimal(numerator) / _to_decimal(denominator) * _to_decimal(scale))


def _same_decimal(a, b):
    return (a is None and b is None) or (a is not None and b is not None and a.as_tuple() == b.as_tuple())


finite = st.floats(allow_nan=False, allow_infinity=False)
# Ties: a half (or 5 in the last shown place) at 0-4 decimals, as floats (1.955, 0.125, 45.5, ...).
ties = st.builds(lambda n, d: float(f"{n}5e-{d + 1}"), st.integers(-(10**9), 10**9), st.integers(0, 4))
counts = st.integers(-(10**16), 10**16).map(float)
sums = st.one_of(finite, ties, counts, st.integers(-(10**6), 10**6), st.decimals(allow_nan=False, allow_infinity=False))
scales = st.sampled_from([1, 1.0, 100, 100.0, 1000, 0.001, 2.5, Decimal("1.0"), Decimal(100), True])


@settings(max_examples=3000, deadline=None)
@given(sums, st.integers(0, 6))
@example(1.955, 2)
@example(0.125, 2)
@example(45.4545454545, 0)
@example(0.22499999999999998, 3)
@example(1e300, 2)
@example(5e-324, 2)
@example(-2.5, 0)
@example(None, 1)
def test_rounded_equals_the_plain_definition(value, decimals):
    assert _same_decimal(figures.rounded(value, decimals), _rounded(value, decimals))


@settings(max_examples=3000, deadline=None)
@given(sums, st.one_of(sums, st.just(0.0), st.just(0)), scales)
@example(9.0, 40.0, 1)
@example(2.0, 3.0, 100)
@example(1.0, 3.0, 100.0)
@example(19.55, 10.0, 1)
@example(None, 3.0, 1)
@example(1e308, 1e-308, 100)
def test_ratio_equals_the_plain_definition(numerator, denominator, scale):
    assert figures.ratio(numerator, denominator, scale) == _ratio(numerator, denominator, scale)


def test_ratio_of_the_quotients_a_day_gives():
    """Every quotient of two counts up to 400 (× 1 and × 100), ties included, as the plain definition."""
    for numerator in range(401):
        for denominator in range(1, 401):
            for scale in (1, 100):
                fast = figures.ratio(float(numerator), float(denominator), scale)
                assert fast == _ratio(numerator, denominator, scale)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_no_figure_of_what_is_not_a_number(value):
    with pytest.raises(ValueError):
        figures.rounded(value, 1)
    with pytest.raises(ValueError):
        figures.ratio(value, 2.0)
    with pytest.raises(ValueError):
        figures.ratio(1.0, value)
