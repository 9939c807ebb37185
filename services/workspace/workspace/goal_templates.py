"""Goal and milestone templates the platform ships, per program objective, for people working in AI.

A pair starts a goal from one (`POST /v1/matches/{id}/goals` with `template`): its title, measure,
guidance kind and milestones are copied, and its target date and milestone dates are set from
today by the template's weeks. The pair then edits them like any goal. Pure data and code: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.contracts.profiles import ProgramObjective
from shared.contracts.workspace import GuidanceKind


@dataclass(frozen=True)
class MilestoneTemplate:
    title: str
    week: int  # due this many weeks after the goal starts


@dataclass(frozen=True)
class GoalTemplate:
    key: str
    objective: ProgramObjective
    title: str
    measure: str
    guidance_kind: GuidanceKind
    weeks: int  # the target date, in weeks from the start
    milestones: tuple[MilestoneTemplate, ...]

    def target_date(self, start: date) -> date:
        return start + timedelta(weeks=self.weeks)

    def milestone_dates(self, start: date) -> list[tuple[str, date]]:
        return [(m.title, start + timedelta(weeks=m.week)) for m in self.milestones]


def _t(
    key: str,
    objective: ProgramObjective,
    title: str,
    measure: str,
    kind: GuidanceKind,
    weeks: int,
    *milestones: tuple[str, int],
) -> GoalTemplate:
    return GoalTemplate(
        key=key,
        objective=objective,
        title=title,
        measure=measure,
        guidance_kind=kind,
        weeks=weeks,
        milestones=tuple(MilestoneTemplate(title, week) for title, week in milestones),
    )


_O = ProgramObjective
_K = GuidanceKind

TEMPLATES: tuple[GoalTemplate, ...] = (
    # --- onboarding -----------------------------------------------------------------------------
    _t(
        "onboarding-first-model-in-production",
        _O.ONBOARDING,
        "Ship a first model to production",
        "A model I trained or fine-tuned serves real traffic behind the team's usual release process.",
        _K.TECHNICAL,
        12,
        ("Run the team's training pipeline end to end on my machine", 2),
        ("Get a change to the evaluation suite reviewed and merged", 5),
        ("Shadow an on-call rotation for the model serving stack", 8),
        ("Release a model version with a written rollback plan", 12),
    ),
    _t(
        "onboarding-map-the-data",
        _O.ONBOARDING,
        "Know where our training data comes from",
        "I can draw the lineage of the two datasets my team trains on and name who owns each source.",
        _K.TECHNICAL,
        6,
        ("Read the data cards of the team's main datasets", 1),
        ("Trace one feature from raw source to training example", 3),
        ("Present the lineage diagram in a team meeting", 6),
    ),
    _t(
        "onboarding-first-paper-reading",
        _O.ONBOARDING,
        "Present a paper reading",
        "I lead a 30-minute reading-group session on a paper relevant to our product.",
        _K.PROFESSIONAL_DEVELOPMENT,
        8,
        ("Pick the paper with my mentor", 1),
        ("Reproduce one figure or table from it", 5),
        ("Lead the reading-group session", 8),
    ),
    _t(
        "onboarding-responsible-ai-basics",
        _O.ONBOARDING,
        "Learn how we review AI systems for risk",
        "I have taken part in one responsible-AI review and can explain its checklist to a newcomer.",
        _K.ETHICS,
        10,
        ("Read the organization's responsible-AI policy", 1),
        ("Observe a model risk review", 5),
        ("Fill in the review checklist for a model I work on", 10),
    ),
    # --- leadership -----------------------------------------------------------------------------
    _t(
        "leadership-lead-a-project",
        _O.LEADERSHIP,
        "Lead an ML project from proposal to review",
        "A project I proposed is scoped, staffed and reviewed, with decisions written down.",
        _K.CAREER,
        20,
        ("Write a one-page proposal with success metrics", 3),
        ("Agree on scope and staffing with stakeholders", 6),
        ("Run a mid-project review with the team", 12),
        ("Present results and lessons learned", 20),
    ),
    _t(
        "leadership-grow-someone",
        _O.LEADERSHIP,
        "Help a junior engineer grow",
        "Someone I coach reaches a goal they set with me, and says my feedback helped.",
        _K.PROFESSIONAL_DEVELOPMENT,
        16,
        ("Agree on one growth goal with them", 2),
        ("Hold regular one-to-ones for two months", 10),
        ("Ask them for feedback on my coaching", 16),
    ),
    _t(
        "leadership-ethics-review-owner",
        _O.LEADERSHIP,
        "Own the risk review of a model launch",
        "I chair the responsible-AI review of a launch and its mitigations are tracked to done.",
        _K.ETHICS,
        12,
        ("Collect the launch's intended uses and known limits", 3),
        ("Chair the review meeting", 7),
        ("Follow every mitigation to done", 12),
    ),
    _t(
        "leadership-technical-strategy",
        _O.LEADERSHIP,
        "Write my team's technical strategy for a year",
        "A strategy document is reviewed by the team and my manager and guides the next planning round.",
        _K.CAREER,
        14,
        ("List the bets and the risks with my mentor", 3),
        ("Circulate a first draft for comments", 8),
        ("Use it in the next planning round", 14),
    ),
    # --- technical skills -----------------------------------------------------------------------
    _t(
        "technical-fine-tune-a-model",
        _O.TECHNICAL_SKILLS,
        "Fine-tune and evaluate a language model",
        "A fine-tuned model beats its baseline on an evaluation set I built, with the results written up.",
        _K.TECHNICAL,
        10,
        ("Build an evaluation set of at least 200 examples", 3),
        ("Fine-tune with a parameter-efficient method", 6),
        ("Write up results, failure cases and costs", 10),
    ),
    _t(
        "technical-bias-audit",
        _O.TECHNICAL_SKILLS,
        "Complete a bias audit of a dataset",
        "An audit report names the subgroups examined, the gaps found and what we changed.",
        _K.ETHICS,
        8,
        ("Choose the dataset and the subgroups to examine", 1),
        ("Measure representation and label quality per subgroup", 4),
        ("Share the report and the fixes agreed", 8),
    ),
    _t(
        "technical-mlops-pipeline",
        _O.TECHNICAL_SKILLS,
        "Automate training and deployment of a model",
        "A commit to the model repository retrains, evaluates and deploys it without manual steps.",
        _K.TECHNICAL,
        12,
        ("Put the training job in CI with pinned data versions", 4),
        ("Add an evaluation gate before deployment", 8),
        ("Deploy through the pipeline and monitor drift", 12),
    ),
    _t(
        "technical-reproduce-a-paper",
        _O.TECHNICAL_SKILLS,
        "Reproduce a published result",
        "I reproduce a paper's main result within its reported margin, or explain why it differs.",
        _K.TECHNICAL,
        8,
        ("Choose the paper and the result to reproduce", 1),
        ("Get the training run working on a small scale", 4),
        ("Compare with the paper and write up the differences", 8),
    ),
    # --- diversity and inclusion ----------------------------------------------------------------
    _t(
        "inclusion-speak-at-a-meetup",
        _O.DIVERSITY_INCLUSION,
        "Give a talk at an AI meetup or conference",
        "I give a talk about my work to an external audience.",
        _K.CAREER,
        16,
        ("Pick a topic and outline the talk with my mentor", 3),
        ("Submit a proposal to a meetup or conference", 6),
        ("Rehearse in front of the team", 12),
        ("Give the talk", 16),
    ),
    _t(
        "inclusion-build-a-network",
        _O.DIVERSITY_INCLUSION,
        "Build a network of peers in AI",
        "I have had conversations with eight people outside my team working in AI, and keep in touch.",
        _K.PROFESSIONAL_DEVELOPMENT,
        12,
        ("Join an employee resource group or community of practice", 2),
        ("Meet four people my mentor introduces me to", 6),
        ("Meet four more on my own", 12),
    ),
    _t(
        "inclusion-inclusive-datasets",
        _O.DIVERSITY_INCLUSION,
        "Make a dataset more representative",
        "A dataset my team uses covers an under-represented group better, measured before and after.",
        _K.ETHICS,
        12,
        ("Measure who the dataset represents today", 3),
        ("Agree on a collection or reweighting plan", 6),
        ("Measure again and share the change", 12),
    ),
    _t(
        "inclusion-visible-work",
        _O.DIVERSITY_INCLUSION,
        "Make my work visible",
        "Two pieces of my work are presented to leadership or written up for the whole organization.",
        _K.CAREER,
        10,
        ("List my recent work and its impact with my mentor", 2),
        ("Write an internal post about one of them", 6),
        ("Present one in a demo or all-hands", 10),
    ),
    # --- career growth --------------------------------------------------------------------------
    _t(
        "career-next-level",
        _O.CAREER_GROWTH,
        "Prepare for my next level",
        "I can show evidence for each expectation of the next level, and my manager agrees on the gaps.",
        _K.CAREER,
        24,
        ("Compare my work with the next level's expectations", 3),
        ("Agree on two gaps to close with my manager", 6),
        ("Close the first gap", 14),
        ("Close the second gap", 24),
    ),
    _t(
        "career-move-into-ml",
        _O.CAREER_GROWTH,
        "Move from software engineering into ML engineering",
        "I have shipped an ML feature and been accepted into an ML team or rotation.",
        _K.TECHNICAL,
        26,
        ("Finish a course on the foundations of machine learning", 6),
        ("Pair with an ML engineer on one feature", 14),
        ("Apply for an internal ML role or rotation", 26),
    ),
    _t(
        "career-publish",
        _O.CAREER_GROWTH,
        "Publish a paper or a technical blog post",
        "A paper is submitted to a workshop, or a technical post is published on the company blog.",
        _K.PROFESSIONAL_DEVELOPMENT,
        20,
        ("Agree on the contribution and the venue", 3),
        ("Have a complete draft reviewed by my mentor", 12),
        ("Submit or publish", 20),
    ),
    _t(
        "career-mock-interviews",
        _O.CAREER_GROWTH,
        "Get ready for ML system design interviews",
        "I pass three mock ML system design interviews with my mentor or peers.",
        _K.CAREER,
        8,
        ("Study two reference ML system designs", 2),
        ("First mock interview, with written feedback", 4),
        ("Two more mock interviews", 8),
    ),
)

_BY_KEY = {template.key: template for template in TEMPLATES}


def template(key: str) -> GoalTemplate | None:
    """The template called `key`, if the platform ships one."""
    return _BY_KEY.get(key)


def templates_for(objective: ProgramObjective | None) -> list[GoalTemplate]:
    """The templates of an objective (all of them when it is None), in a stable order."""
    return [t for t in TEMPLATES if objective is None or t.objective is objective]
