"""Grouping people in aggregate reports (fairness audits, outcome reports) without exposing anyone.

Reports about groups follow one rule set: a group smaller than the minimum size is withheld, and
when the withheld remainder could be recovered by subtracting the shown groups from a total (it
is itself smaller than the minimum), the smallest shown groups are withheld as well
(complementary suppression). Pure code, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

UNKNOWN = "unknown"


def region_of(time_zone: str | None) -> str | None:
    """The region of an IANA zone: `Europe/Berlin` -> `Europe`; `UTC` and `Etc/...` have none."""
    if not time_zone or "/" not in time_zone:
        return None
    region = time_zone.split("/", 1)[0]
    return None if region == "Etc" else region


def suppress(sizes: Mapping[str, int], min_group_size: int) -> set[str]:
    """Groups to withhold: the small ones, then the smallest others until the withheld total is
    either nothing or at least `min_group_size`."""
    hidden = {group for group, size in sizes.items() if size < min_group_size}
    shown = sorted((size, group) for group, size in sizes.items() if group not in hidden)
    remainder = sum(sizes[group] for group in hidden)
    while 0 < remainder < min_group_size and shown:
        size, group = shown.pop(0)
        hidden.add(group)
        remainder += size
    return hidden
