"""Participants against a comparison group of similar non-participants: coarsened exact matching.

Pure code (no I/O, numpy). People are put in strata by the coarsened characteristics that could
explain an outcome on their own (department, seniority, tenure band, and the period they are
compared in); strata without people on both sides are dropped. The comparison group is then
reweighted so that its strata weigh what they weigh among the participants (the CEM weights for
the effect on participants): its share is the participants' mix of each stratum's share.

The interval of the difference is Newcombe's (`estimators.newcombe`), the comparison side
entering with its effective size: the size a simple random sample with the same variance as the
stratified, reweighted share would have. Below `min_size` people on either side there is no
number at all, only "not enough data".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from feedback.outcomes.estimators import Interval, newcombe

# Strata coded 0 .. DENSE_CODES - 1 are counted directly (no sorting of the codes).
DENSE_CODES = 1 << 16


class Status(StrEnum):
    OK = "ok"
    NOT_ENOUGH_DATA = "not_enough_data"
    NOT_AVAILABLE = "not_available"


@dataclass(frozen=True)
class Comparison:
    status: Status
    participants: int  # matched participants (the figure's population)
    comparison: int  # matched comparison people (records; one person may be compared in several periods)
    comparison_effective: float
    unmatched_participants: int  # participants in strata without any comparison person
    strata: int
    participants_rate: float | None = None
    comparison_rate: float | None = None
    difference: float | None = None
    interval: Interval | None = None
    note: str | None = None


def compare(
    *,
    participant_strata: np.ndarray,
    participant_outcome: np.ndarray,
    comparison_strata: np.ndarray,
    comparison_outcome: np.ndarray,
    min_size: int,
    confidence: float,
) -> Comparison:
    """The participants' share of a yes/no outcome against the matched comparison group's.

    Strata are integer codes (equal codes: same stratum); outcomes are booleans.
    """
    participant_strata = np.asarray(participant_strata, dtype=np.int64)
    comparison_strata = np.asarray(comparison_strata, dtype=np.int64)
    participant_outcome = np.asarray(participant_outcome, dtype=bool)
    comparison_outcome = np.asarray(comparison_outcome, dtype=bool)
    both = np.concatenate([participant_strata, comparison_strata])
    if both.size and both.min() >= 0 and both.max() < DENSE_CODES:
        p_code, c_code, size = participant_strata, comparison_strata, int(both.max()) + 1
    else:
        codes, inverse = np.unique(both, return_inverse=True)
        p_code, c_code, size = (
            inverse[: participant_strata.size],
            inverse[participant_strata.size :],
            codes.size,
        )
    p_n = np.bincount(p_code, minlength=size).astype(float)
    c_n = np.bincount(c_code, minlength=size).astype(float)
    p_yes = np.bincount(p_code, weights=participant_outcome, minlength=size)
    c_yes = np.bincount(c_code, weights=comparison_outcome, minlength=size)
    matched = (p_n > 0) & (c_n > 0)
    participants, comparison = int(p_n[matched].sum()), int(c_n[matched].sum())
    unmatched = int(p_n[~matched].sum())
    strata = int(matched.sum())
    if participants < min_size or comparison < min_size:
        return Comparison(
            status=Status.NOT_ENOUGH_DATA,
            comparison_effective=0.0,
            note=(
                f"not enough data: {participants} matched participants and {comparison} matched "
                f"comparison people; at least {min_size} on each side are needed"
            ),
            participants=participants,
            comparison=comparison,
            unmatched_participants=unmatched,
            strata=strata,
        )
    weight = p_n[matched] / participants  # each stratum weighs what it weighs among participants
    participants_rate = float(p_yes[matched].sum() / participants)
    stratum_rates = c_yes[matched] / c_n[matched]
    comparison_rate = float((weight * stratum_rates).sum())
    # Variance of the reweighted share; shrunk stratum shares keep all-or-nothing strata honest.
    shrunk = (c_yes[matched] + 0.5) / (c_n[matched] + 1.0)
    variance = float((weight**2 * shrunk * (1 - shrunk) / c_n[matched]).sum())
    # The effective size makes Wilson's normal part reproduce that variance exactly.
    centre = float((weight * shrunk).sum())
    spread = centre * (1 - centre)
    effective = min(spread / variance, float(comparison)) if variance > 0 else float(comparison)
    difference, interval = newcombe(participants_rate, participants, comparison_rate, effective, confidence)
    return Comparison(
        status=Status.OK,
        comparison_effective=round(effective, 1),
        participants_rate=participants_rate,
        comparison_rate=comparison_rate,
        difference=difference,
        interval=interval,
        participants=participants,
        comparison=comparison,
        unmatched_participants=unmatched,
        strata=strata,
    )
