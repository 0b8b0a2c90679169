"""Intervals and tests from a design-based estimate, its variance and its degrees of freedom:
Korn and Graubard's interval for a share (as R's `svyciprop(method = "beta")`), Clopper-Pearson
under simple random sampling, the t-test and interval of a difference from one standard error,
two one-sided tests of equivalence, and Satterthwaite's degrees of freedom of a difference."""

from __future__ import annotations

import numpy as np
from scipy import stats


def korn_graubard(p, variance, n, df, level: float = 0.95):
    """Korn and Graubard's (1998) interval for a share, exactly as R's
    `svyciprop(method = "beta")`: Clopper-Pearson on the effective sample size
    n_eff = p(1 - p) / variance, scaled by (t_{n-1} / t_df)^2 at (1 - level) / 2, with n the
    domain's respondents and df its degrees of freedom (its PSUs - 1). n_eff may exceed n (a
    design effect below 1 is credited, as R does). Where the design variance is 0 (a unanimous
    group: R gives no interval), n_eff is n, so the interval is Clopper-Pearson's with the same
    degrees-of-freedom adjustment. Returns n_eff, low, high (as shares)."""
    p, variance = np.asarray(p, dtype=float), np.asarray(variance, dtype=float)
    n, df = np.asarray(n, dtype=float), np.asarray(df, dtype=float)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(variance > 0, p * (1 - p) / variance, n)
        usable = (n > 1) & (df > 0)
        factor = np.where(usable, (stats.t.ppf(alpha / 2, np.where(usable, n - 1, 1))
                                   / stats.t.ppf(alpha / 2, np.where(usable, df, 1))) ** 2, np.nan)
        n_eff = raw * factor
    low, high = _beta_interval(p * n_eff, n_eff, alpha)
    return n_eff, low, high


def clopper_pearson(count, n, level: float = 0.95):
    """The exact binomial interval (as shares) of `count` successes in `n`: the interval under
    simple random sampling that Korn-Graubard's becomes without clustering."""
    count, n = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    return _beta_interval(count, n, 1 - level)


def _beta_interval(x, n, alpha):
    """qbeta(alpha / 2, x, n - x + 1) and qbeta(1 - alpha / 2, x + 1, n - x); 0 and 1 at the
    ends (x = 0, x = n); NaN where n is not a positive number."""
    x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
    ok = np.isfinite(n) & (n > 0) & np.isfinite(x)
    low, high = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    inner = ok & (x > 0)
    low[ok & (x <= 0)] = 0.0
    low[inner] = stats.beta.ppf(alpha / 2, x[inner], n[inner] - x[inner] + 1)
    below = ok & (x < n)
    high[ok & (x >= n)] = 1.0
    high[below] = stats.beta.ppf(1 - alpha / 2, x[below] + 1, n[below] - x[below])
    return (low, high) if low.ndim else (float(low), float(high))


def satterthwaite(variances, dfs) -> float:
    """Satterthwaite's degrees of freedom of a sum of independent estimates with these
    variances and degrees of freedom: (sum v)^2 / sum(v^2 / df). Where every variance is 0 the
    smallest df (nothing to weigh them by)."""
    v, d = np.asarray(variances, dtype=float), np.asarray(dfs, dtype=float)
    if not np.all(np.isfinite(v)) or np.any(d < 1):
        return np.nan
    if v.sum() == 0:
        return float(d.min())
    return float(v.sum() ** 2 / np.sum(v ** 2 / d))


def t_interval(estimate: float, se: float, df: float, level: float = 0.95) -> tuple[float, float]:
    """estimate -+ t_{df} se: the interval of a mean (R's `confint(..., df = degf)`)."""
    if not (np.isfinite(se) and np.isfinite(df) and df > 0):
        return np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return estimate - half, estimate + half


def wald(estimate: float, se: float, df: float, level: float = 0.95) -> dict:
    """t-test of estimate = 0 and its interval, from one standard error."""
    if not (np.isfinite(se) and np.isfinite(df) and df > 0):
        return {"low": np.nan, "high": np.nan, "p_value": np.nan}
    if se == 0:  # no variation in either group: the difference is known exactly
        return {"low": estimate, "high": estimate, "p_value": 1.0 if estimate == 0 else 0.0}
    t = stats.t.ppf(0.5 + level / 2, df)
    return {"low": estimate - t * se, "high": estimate + t * se,
            "p_value": float(2 * stats.t.sf(abs(estimate / se), df))}


def equivalence(estimate: float, se: float, df: float, margin: float, alpha: float = 0.05) -> dict:
    """Two one-sided tests (TOST) of |estimate| < margin: equivalence is supported when both
    H0: estimate <= -margin and H0: estimate >= margin are rejected at `alpha`, i.e. when the
    1 - 2 alpha interval lies inside (-margin, margin)."""
    if not (np.isfinite(se) and se > 0 and np.isfinite(df) and df > 0):
        inside = bool(np.isfinite(estimate) and abs(estimate) < margin and se == 0)
        return {"low": estimate, "high": estimate, "p_lower": np.nan, "p_upper": np.nan,
                "p_tost": 0.0 if inside else np.nan, "equivalent": inside}
    t = stats.t.ppf(1 - alpha, df)
    p_lower = float(stats.t.sf((estimate + margin) / se, df))   # H0: estimate <= -margin
    p_upper = float(stats.t.cdf((estimate - margin) / se, df))  # H0: estimate >= margin
    p_tost = max(p_lower, p_upper)
    return {"low": estimate - t * se, "high": estimate + t * se, "p_lower": p_lower,
            "p_upper": p_upper, "p_tost": p_tost, "equivalent": bool(p_tost < alpha)}
