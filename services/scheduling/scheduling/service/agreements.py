"""The agreement gate: a program may require the pair's agreement (workspace) signed by both before
their first session; booking refuses until scheduling has heard (`agreement.signed`) that it is.

Both facts come from workspace's events (`handlers.py`): a program without a rule requires nothing,
and one signing is enough (an edit awaiting new signatures does not take back sessions already
allowed). Only booking asks: moving or ending a session already booked never does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import AgreementRule, Match, SignedAgreement
from shared.errors import Problem

AGREEMENT_REQUIRED = (
    "the program requires the pair's agreement signed by both mentor and mentee before their first "
    "session: sign it in the pair's workspace, then book"
)


async def require_signed_agreement(session: AsyncSession, match: Match) -> None:
    """409 `agreement-required` while the match's program requires an agreement neither yet signed
    by both (as far as workspace's events have told)."""
    required = await session.scalar(
        select(AgreementRule.required).where(AgreementRule.program_id == match.program_id)
    )
    if not required:
        return
    signed = await session.scalar(select(SignedAgreement.version).where(SignedAgreement.match_id == match.id))
    if signed is None:
        raise Problem(409, AGREEMENT_REQUIRED, slug="agreement-required", title="Agreement required")
