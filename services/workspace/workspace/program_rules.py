"""What a program's workspaces follow (its agreement template, whether an agreement is required
before the first session) and an organization's message retention: their stored values, or the
defaults when admins set none (version 0). Pure code: `queries` reads the rows into these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workspace.agreements import DEFAULT_TEMPLATE, from_template


@dataclass(frozen=True)
class ProgramRules:
    agreement_template: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATE))
    agreement_required: bool = False
    version: int = 0  # 0: the program has no workspace settings of its own yet

    @classmethod
    def stored(cls, row: Any | None) -> ProgramRules:
        if row is None:
            return cls()
        return cls(
            agreement_template=from_template(row.agreement_template),
            agreement_required=row.agreement_required,
            version=row.version,
        )


@dataclass(frozen=True)
class OrganizationRules:
    message_retention_days: int
    version: int = 0  # 0: the service's default retention

    @classmethod
    def stored(cls, row: Any | None, *, default_retention_days: int) -> OrganizationRules:
        if row is None:
            return cls(message_retention_days=default_retention_days)
        return cls(message_retention_days=row.message_retention_days, version=row.version)
