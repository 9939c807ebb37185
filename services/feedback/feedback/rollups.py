"""The weekly program rollup: what each session and submission adds to its week.

Pure code (no I/O). Every change that counts in the analytics adjusts its week's row in its own
transaction (`service.program_weeks.add_to_week`: a session's old contribution out, its new one
in), so the rollup always equals what a full aggregation over sessions and submissions would
give, and the analytics read a few rows.
"""

from __future__ import annotations

from feedback.forms import Metric
from shared.contracts.scheduling import SessionStatus

_SESSION_COLUMN = {
    SessionStatus.COMPLETED.value: "sessions_held",
    SessionStatus.NO_SHOW.value: "sessions_no_show",
    SessionStatus.CANCELED.value: "sessions_canceled",
}
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6


def session_contribution(status: str, sign: int = 1) -> dict[str, int]:
    """What a session in `status` counts in its week (a scheduled session counts nothing yet)."""
    column = _SESSION_COLUMN.get(status)
    return {column: sign} if column else {}


def submission_contribution(metrics: dict[Metric, int]) -> dict[str, int]:
    """What a submission's measures add to its week."""
    deltas = {"submissions": 1}
    for metric, column in (
        (Metric.RATING, "rating"),
        (Metric.MENTOR_RATING, "mentor_rating"),
        (Metric.GOAL_PROGRESS, "goal_progress"),
        (Metric.SATISFACTION, "satisfaction"),
    ):
        if metric in metrics:
            deltas[f"{column}_sum"] = metrics[metric]
            deltas[f"{column}_count"] = 1
    nps = metrics.get(Metric.NPS)
    if nps is not None:
        if nps >= PROMOTER_FROM:
            deltas["nps_promoters"] = 1
        elif nps <= DETRACTOR_UP_TO:
            deltas["nps_detractors"] = 1
        else:
            deltas["nps_passives"] = 1
    return deltas
