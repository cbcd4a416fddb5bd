"""Student t quantiles, checked against closed forms and printed tables."""

from __future__ import annotations

import math

import pytest

from services.analytics.domain.student_t import t_quantile


def test_closed_forms_for_one_and_two_degrees_of_freedom() -> None:
    # df 1 (Cauchy): t_p = tan(pi * (p - 1/2)); tan(0.475 pi) = 12.7062
    assert t_quantile(0.975, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-10)
    assert t_quantile(0.975, 1) == pytest.approx(12.7062, abs=1e-4)
    # df 2: t_p = (2p - 1) / sqrt(2 p (1 - p)) = 0.95 / sqrt(0.04875) = 4.30265
    assert t_quantile(0.975, 2) == pytest.approx(0.95 / math.sqrt(0.04875), rel=1e-10)


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        (0.975, 3, 3.182),
        (0.90, 3, 1.638),
        (0.975, 10, 2.228),
        (0.90, 10, 1.372),
        (0.95, 12, 1.782),
        (0.975, 30, 2.042),
        (0.90, 58, 1.296),
    ],
)
def test_printed_table_values(p: float, df: int, table: float) -> None:
    assert t_quantile(p, df) == pytest.approx(table, abs=5e-4)


def test_symmetry_and_the_median() -> None:
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.025, 10) == pytest.approx(-t_quantile(0.975, 10))


def test_invalid_arguments() -> None:
    for p in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="probability"):
            t_quantile(p, 5)
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile(0.9, 0)
