"""Fairness audit of matching outcomes: aggregates per group only (pure: no I/O).

For each attribute an organization marked auditable, mentees are grouped by its value, and each
group gets its size, match rate, mean score of its matches and acceptance rate, plus the ratio of
its match rate to the best group's, flagged below four fifths (the 4/5 rule of adverse impact).

No individual is ever exposed: groups smaller than the minimum size are suppressed, and when the
suppressed remainder could be recovered by subtracting the shown groups from the totals (it is
smaller than the minimum too), the smallest shown groups are suppressed as well (complementary
suppression).

Self-identified attributes (gender, disability, ...) are audited only over the people who consented
to fairness reports, grouped by pseudonymous key: matching never knows the values; admins read
the groups' labels from profiles, which knows values but never who is in which group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

FOUR_FIFTHS = 0.8
UNKNOWN = "unknown"


class AuditAttribute(StrEnum):
    """Profile attributes an organization may mark auditable (profiles events carry them)."""

    DEPARTMENT = "department"
    SENIORITY = "seniority"
    TIME_ZONE_REGION = "time_zone_region"


def region_of(time_zone: str | None) -> str | None:
    """The region of an IANA zone: `Europe/Berlin` -> `Europe`; `UTC` and `Etc/...` have none."""
    if not time_zone or "/" not in time_zone:
        return None
    region = time_zone.split("/", 1)[0]
    return None if region == "Etc" else region


@dataclass(frozen=True)
class AuditSubject:
    """One mentee's outcome, with the values of the auditable attributes (never returned as such)."""

    attributes: Mapping[str, str | None]
    matched: bool
    score: float | None = None
    accepted: int = 0  # offers the mentee's pairs accepted
    decided: int = 0  # offers answered: accepted, declined or expired
    # Self-identified attribute -> pseudonymous group key, for the attributes consented to reports.
    identity_groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupFigures:
    group: str
    size: int
    matched: int
    match_rate: float
    mean_score: float | None
    acceptance_rate: float | None
    ratio_to_best: float | None
    flagged: bool


@dataclass(frozen=True)
class AttributeAudit:
    attribute: str
    groups: list[GroupFigures]
    suppressed_groups: int
    flagged_groups: list[str]
    self_identified: bool = False
    subjects: int = 0  # people counted for this attribute (0 when withheld as too few)


@dataclass(frozen=True)
class Audit:
    subjects: int
    matched: int
    match_rate: float | None
    min_group_size: int
    attributes: list[AttributeAudit]


def _figures(
    group: str, members: Sequence[AuditSubject]
) -> tuple[str, int, int, float, float | None, float | None]:
    matched = [member for member in members if member.matched]
    scores = [member.score for member in matched if member.score is not None]
    decided = sum(member.decided for member in members)
    accepted = sum(member.accepted for member in members)
    return (
        group,
        len(members),
        len(matched),
        len(matched) / len(members),
        sum(scores) / len(scores) if scores else None,
        accepted / decided if decided else None,
    )


def suppress(sizes: Mapping[str, int], min_group_size: int) -> set[str]:
    """Groups to hide: the small ones, then the smallest others until the hidden total is safe."""
    hidden = {group for group, size in sizes.items() if size < min_group_size}
    shown = sorted((size, group) for group, size in sizes.items() if group not in hidden)
    remainder = sum(sizes[group] for group in hidden)
    while 0 < remainder < min_group_size and shown:
        size, group = shown.pop(0)
        hidden.add(group)
        remainder += size
    return hidden


def audit_attribute(
    attribute: str,
    subjects: Sequence[AuditSubject],
    *,
    min_group_size: int,
    group_of: Callable[[AuditSubject], str] | None = None,
    self_identified: bool = False,
) -> AttributeAudit:
    """Figures per value of one attribute (or per group `group_of` names)."""
    groups: dict[str, list[AuditSubject]] = defaultdict(list)
    for subject in subjects:
        group = group_of(subject) if group_of is not None else subject.attributes.get(attribute) or UNKNOWN
        groups[group].append(subject)
    hidden = suppress({group: len(members) for group, members in groups.items()}, min_group_size)
    rows = [_figures(group, members) for group, members in sorted(groups.items()) if group not in hidden]
    best = max((row[3] for row in rows), default=0.0)
    figures = []
    for group, size, matched, rate, mean_score, acceptance in rows:
        ratio = rate / best if best > 0 else None
        figures.append(
            GroupFigures(
                group=group,
                size=size,
                matched=matched,
                match_rate=round(rate, 4),
                mean_score=round(mean_score, 4) if mean_score is not None else None,
                acceptance_rate=round(acceptance, 4) if acceptance is not None else None,
                ratio_to_best=round(ratio, 4) if ratio is not None else None,
                flagged=ratio is not None and ratio < FOUR_FIFTHS,
            )
        )
    return AttributeAudit(
        attribute=attribute,
        groups=figures,
        suppressed_groups=len(hidden),
        flagged_groups=[figure.group for figure in figures if figure.flagged],
        self_identified=self_identified,
        subjects=len(subjects) if len(subjects) >= min_group_size else 0,
    )


def audit_self_identified(
    attribute: str, subjects: Sequence[AuditSubject], *, min_group_size: int
) -> AttributeAudit:
    """Figures per pseudonymous group of a self-identified attribute, over the people who consented
    to fairness reports for it (everyone else is left out, not put in an "unknown" group)."""
    consenting = [subject for subject in subjects if attribute in subject.identity_groups]
    return audit_attribute(
        attribute,
        consenting,
        min_group_size=min_group_size,
        group_of=lambda subject: subject.identity_groups[attribute],
        self_identified=True,
    )


def audit(
    subjects: Sequence[AuditSubject],
    attributes: Iterable[str],
    *,
    min_group_size: int,
    self_identified: Iterable[str] = (),
) -> Audit:
    """The audit of `subjects` over profile `attributes` and `self_identified` ones; totals too are
    withheld below the minimum size."""
    matched = sum(subject.matched for subject in subjects)
    large_enough = len(subjects) >= min_group_size
    counted = subjects if large_enough else []
    return Audit(
        subjects=len(subjects) if large_enough else 0,
        matched=matched if large_enough else 0,
        match_rate=round(matched / len(subjects), 4) if large_enough and subjects else None,
        min_group_size=min_group_size,
        attributes=[
            *(audit_attribute(attribute, counted, min_group_size=min_group_size) for attribute in attributes),
            *(
                audit_self_identified(attribute, counted, min_group_size=min_group_size)
                for attribute in self_identified
            ),
        ],
    )
