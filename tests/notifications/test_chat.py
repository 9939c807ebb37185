"""Slack and Teams through a real local HTTP server standing in for them: a direct message found
by email where the bot token allows, the organization's channel otherwise, incoming webhooks, and
retries on a transient error."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shared.contracts.matching import MatchStatus
from shared.contracts.scheduling import SessionReminderDue
from tests.notifications.chat_receiver import ChatReceiver
from tests.notifications.conftest import Bus, Org, now
from tests.toolkit import eventually

pytestmark = pytest.mark.usefixtures("notifications_worker")


async def connect(client: httpx.AsyncClient, org: Org, settings: dict[str, object]) -> None:
    response = await client.put("/v1/settings", json=settings, headers={**org.admin, "If-Match": '"0"'})
    assert response.status_code == 200, response.text


async def remind(org: Org, bus: Bus) -> tuple[str, str]:
    """A reminder for each side of a new pair; their emails."""
    await org.program()
    mentor = await org.person("Frances Spence")
    mentee = await org.person("Marlyn Meltzer")
    session = org.session(org.match(mentor, mentee, MatchStatus.ACCEPTED), start=now() + timedelta(hours=1))
    for person in (mentor, mentee):
        event = SessionReminderDue(session=session, recipient_id=person.id, minutes_before=60)
        await bus.publish(event, organization=org.organization)
    return mentor.email, mentee.email


async def test_a_slack_bot_sends_direct_messages_and_posts_in_the_channel_for_people_it_cannot_find(
    org: Org, bus: Bus, chat: ChatReceiver, notifications_client: httpx.AsyncClient
) -> None:
    await connect(
        notifications_client, org, {"slack_bot_token": "xoxb-test-token", "slack_channel": "CMENTORING"}
    )
    _, mentee_email = await remind(org, bus)
    assert chat.members is not None
    chat.members[mentee_email] = "U0MENTEE"  # the mentor has no Slack account

    posts = await chat.wait_for("/api/chat.postMessage", 2)
    by_channel = {post.form()["channel"]: post for post in posts}
    assert set(by_channel) == {"DU0MENTEE", "CMENTORING"}
    assert "Coming up: session with Frances Spence" in by_channel["DU0MENTEE"].form()["text"]
    assert by_channel["CMENTORING"].form()["text"].startswith("*For Frances Spence: ")
    lookup = chat.posts("/api/users.lookupByEmail")[0]
    assert lookup.headers["authorization"] == "Bearer xoxb-test-token"


async def test_incoming_webhooks_of_slack_and_teams_get_the_message_and_a_failure_is_retried(
    org: Org, bus: Bus, chat: ChatReceiver, notifications_client: httpx.AsyncClient
) -> None:
    slack, teams = chat.webhook(), chat.webhook()
    await connect(notifications_client, org, {"slack_webhook_url": slack, "teams_webhook_url": teams})
    chat.webhook_statuses[:] = [503]  # the first webhook call fails for now
    await remind(org, bus)
    slack_path, teams_path = slack.removeprefix(chat.base_url), teams.removeprefix(chat.base_url)

    async def all_in() -> bool:
        return len(chat.posts(slack_path)) + len(chat.posts(teams_path)) == 5  # four, one of them twice

    await eventually(all_in, what="four messages, the one that failed sent again")
    slack_posts, teams_posts = chat.posts(slack_path), chat.posts(teams_path)
    card = teams_posts[-1].json()
    assert card["@type"] == "MessageCard" and card["title"].startswith("For ")
    assert "Coming up: session with" in slack_posts[-1].json()["text"]
