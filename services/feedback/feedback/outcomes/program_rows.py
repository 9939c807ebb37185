"""The rows of the `programs` and `attention` tables: a program's activity now and over its life,
and the thresholds it crosses.

Pure code (no I/O).
"""

from __future__ import annotations

from collections import Counter

from feedback.cadence import session_cadence_days
from feedback.outcomes.attention import needs_attention
from feedback.outcomes.context import ACTIVE, LEFT, MENTEE, MENTOR, ReportContext, Row, rounded
from feedback.outcomes.history import ProgramActivity, ProgramRecord

RECENT_DAYS = 28
HEALTH_BUCKETS = ("0-20", "20-40", "40-60", "60-80", "80-100")


def program_row(context: ReportContext, program: ProgramRecord) -> tuple[Row, list[Row]]:
    enrollments = context.enrollments[program.id]
    matches = context.matches[program.id]
    activity = context.history.activity.get(program.id, ProgramActivity())
    mentees = [e for e in enrollments if e.role == MENTEE]
    mentors = [e for e in enrollments if e.role == MENTOR and e.status not in LEFT]
    live = [m for m in matches if m.live]
    live_per_mentor = Counter(m.mentor_id for m in live)
    capacity = sum(mentor.capacity for mentor in mentors)
    unfilled = sum(max(mentor.capacity - live_per_mentor[mentor.person_id], 0) for mentor in mentors)
    overloaded = sum(1 for mentor in mentors if live_per_mentor[mentor.person_id] > mentor.capacity)
    planned = len(live) * RECENT_DAYS / session_cadence_days(program.session_cadence)
    engagement = activity.sessions_held_28d / planned if planned else None
    at_risk_share = activity.at_risk / len(live) if live else None
    unfilled_share = unfilled / capacity if capacity else None
    satisfaction = (
        activity.satisfaction_sum / activity.satisfaction_count if activity.satisfaction_count else None
    )
    answers = activity.promoters + activity.passives + activity.detractors
    nps = 100 * (activity.promoters - activity.detractors) / answers if answers else None
    reasons = (
        needs_attention(
            engagement_ratio=engagement,
            at_risk_share=at_risk_share,
            unfilled_capacity_share=unfilled_share,
            overloaded_mentors=overloaded,
            thresholds=context.rules.thresholds,
        )
        if program.status == ACTIVE
        else []
    )
    row = {
        "program_id": program.id,
        "program_name": program.name,
        "objective": program.objective,
        "status": program.status,
        "cohort_start": program.cohort_start,
        "cohort_end": program.cohort_end,
        "mentees": len({e.person_id for e in mentees}),
        "mentees_active": len({e.person_id for e in mentees if e.status not in LEFT}),
        "mentors": len({e.person_id for e in mentors}),
        "matches_live": len(live),
        "matches_started": sum(1 for m in matches if m.started_day is not None),
        "sessions_held": activity.sessions_held,
        "sessions_held_28d": activity.sessions_held_28d,
        "sessions_planned_28d": rounded(planned, 1),
        "engagement_ratio": rounded(engagement, 3),
        "at_risk_matches": activity.at_risk,
        "at_risk_share": rounded(at_risk_share, 3),
        **{
            f"health_{bucket.replace('-', '_')}": count
            for bucket, count in zip(HEALTH_BUCKETS, activity.health, strict=True)
        },
        "mentor_capacity": capacity,
        "unfilled_capacity_share": rounded(unfilled_share, 3),
        "overloaded_mentors": overloaded,
        "goals_set": activity.goals_set,
        "goals_done": activity.goals_done,
        "goal_attainment": rounded(
            activity.goals_done / activity.goals_set if activity.goals_set else None, 3
        ),
        "training_assigned": activity.training_assigned,
        "training_completed": activity.training_completed,
        "training_completion": rounded(
            activity.training_completed / activity.training_assigned if activity.training_assigned else None,
            3,
        ),
        "satisfaction_average": rounded(satisfaction, 2),
        "satisfaction_responses": activity.satisfaction_count,
        "nps": rounded(nps, 1),
        "nps_responses": answers,
        "needs_attention": bool(reasons),
        "attention_reasons": ";".join(reason.reason.value for reason in reasons) or None,
    }
    attention = [
        {
            "program_id": program.id,
            "program_name": program.name,
            "reason": reason.reason.value,
            "value": rounded(reason.value, 3),
            "threshold": reason.threshold,
            "setting": reason.setting,
            "explanation": reason.explanation,
        }
        for reason in reasons
    ]
    return row, attention
