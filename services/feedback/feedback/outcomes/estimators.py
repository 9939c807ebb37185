"""Interval estimates for the outcome figures: proportions, their differences, medians of times
to an event, means and net promoter scores.

Pure code (no I/O), on scipy's distributions. The methods are the textbook ones an analyst would
check the figures against:

- a proportion: the Wilson score interval (good coverage down to small counts, never outside 0..1);
- a difference of two proportions: Newcombe's hybrid score interval (method 10 of Newcombe 1998),
  built from the two Wilson intervals; a weighted comparison group enters with its effective size;
- a median time to an event with censoring: Kaplan-Meier (scipy.stats.ecdf) with the median's
  interval read where the survival function's confidence band crosses one half;
- a mean: Student's t interval; an NPS: the normal interval of a difference of two shares of one
  sample.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile of `confidence` (1.96 for 0.95)."""
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(share: float, n: float, confidence: float) -> Interval:
    """Wilson score interval of a proportion `share` observed on `n` (possibly effective) people."""
    if n <= 0:
        return Interval(0.0, 1.0)
    z = z_value(confidence)
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(max(share * (1 - share) / n + z * z / (4 * n * n), 0.0))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def newcombe(
    share_1: float, n_1: float, share_2: float, n_2: float, confidence: float
) -> tuple[float, Interval]:
    """The difference `share_1 - share_2` and Newcombe's hybrid score interval for it."""
    first, second = wilson(share_1, n_1, confidence), wilson(share_2, n_2, confidence)
    difference = share_1 - share_2
    low = difference - math.sqrt((share_1 - first.low) ** 2 + (second.high - share_2) ** 2)
    high = difference + math.sqrt((first.high - share_1) ** 2 + (share_2 - second.low) ** 2)
    return difference, Interval(max(-1.0, low), min(1.0, high))


@dataclass(frozen=True)
class MedianTime:
    median: float | None  # None while fewer than half have had the event
    low: float | None  # the interval's bounds; None where the band never crosses one half
    high: float | None
    events: int
    censored: int


def median_time_to_event(
    durations: Sequence[float], observed: Sequence[bool], confidence: float
) -> MedianTime:
    """Kaplan-Meier median of `durations` (days), `observed` False where the event has not happened
    (yet): the person is censored at that duration."""
    from scipy import stats  # seconds to import: only computing a report needs it, not the API

    times = np.asarray(durations, dtype=float)
    seen = np.asarray(observed, dtype=bool)
    events, censored = int(seen.sum()), int((~seen).sum())
    if events == 0:
        return MedianTime(None, None, None, events, censored)
    survival = stats.ecdf(stats.CensoredData(uncensored=times[seen], right=times[~seen])).sf
    with warnings.catch_warnings():
        # Greenwood's band is undefined where the estimate reaches 0 or 1: those points stay NaN.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = survival.confidence_interval(confidence_level=confidence)

    def first_below_half(probabilities: np.ndarray) -> float | None:
        crossed = np.nonzero(probabilities <= 0.5)[0]
        return float(survival.quantiles[crossed[0]]) if crossed.size else None

    median = first_below_half(survival.probabilities)
    if median is None:
        return MedianTime(None, None, None, events, censored)
    # The median's interval: where the band's lower and upper curves cross one half (where the
    # band is undefined, the estimate is certain: the band is the estimate itself).
    low = np.where(np.isnan(band.low.probabilities), survival.probabilities, band.low.probabilities)
    high = np.where(np.isnan(band.high.probabilities), survival.probabilities, band.high.probabilities)
    return MedianTime(median, first_below_half(low), first_below_half(high), events, censored)


def mean_interval(total: float, squares: float, n: int, confidence: float) -> tuple[float, Interval | None]:
    """The mean of `n` answers from their sum and sum of squares, with Student's t interval."""
    from scipy import stats  # seconds to import: only computing a report needs it, not the API

    mean = total / n
    if n < 2:
        return mean, None
    variance = max((squares - n * mean * mean) / (n - 1), 0.0)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * math.sqrt(variance / n)
    return mean, Interval(mean - half, mean + half)


def net_promoter(promoters: int, passives: int, detractors: int, confidence: float) -> tuple[float, Interval]:
    """NPS (-100..100) with the normal interval of the difference of two shares of one sample."""
    n = promoters + passives + detractors
    share_promoters, share_detractors = promoters / n, detractors / n
    score = share_promoters - share_detractors
    variance = (share_promoters + share_detractors - score * score) / n
    half = z_value(confidence) * math.sqrt(max(variance, 0.0))
    return 100 * score, Interval(max(-100.0, 100 * (score - half)), min(100.0, 100 * (score + half)))
