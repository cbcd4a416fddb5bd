"""Student's t quantiles, for the forecast's and the milestone correlation's intervals.

One place for them (scipy's, cached): the forecast needs whole degrees of freedom, Welch's
difference fractional ones.
"""

from __future__ import annotations

import functools

from scipy import stats  # type: ignore[import-untyped]


@functools.lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"the probability must be strictly between 0 and 1, not {p}")
    if not df > 0:
        raise ValueError(f"the degrees of freedom must be positive, not {df}")
    return float(stats.t.ppf(p, df))
