"""Chat messages: Slack (a bot token, or an incoming webhook) and Microsoft Teams (an incoming webhook).

With a Slack bot token, a person gets a direct message: their Slack user is found by email
(`users.lookupByEmail`), a DM opened (`conversations.open`) and the message posted
(`chat.postMessage`). Where the token may not look people up or the person has no Slack account,
the message goes to the organization's channel instead, naming the person; with only an incoming
webhook it always goes to the webhook's channel. Teams incoming webhooks post a card to their
channel. Every URL passes the platform's outbound rules (pinned_http.py, shared.outbound), and the
outcome is judged by the platform's one retry policy (OutboundSettings.retry_decision).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import httpcore
import orjson
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from notifications.channels.attempts import Attempt, Result
from notifications.channels.pinned_http import pinned_session
from notifications.config import NotificationsSettings
from shared.outbound import DestinationRefused, Verdict, pinned_pool, post_once

# Slack answers these when the token may not look people up, or the person is not in the workspace.
_NO_DIRECT_MESSAGE = {"users_not_found", "missing_scope", "user_not_found", "not_allowed_token_type"}
# These can never succeed as configured.
_PERMANENT = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "channel_not_found",
    "is_archived",
}


@dataclass(frozen=True)
class ChatMessage:
    person_name: str
    person_email: str
    subject: str
    text: str
    link: str


@dataclass(frozen=True)
class SlackTarget:
    bot_token: str | None
    channel: str | None
    webhook_url: str | None


class ChatSenders:
    """The HTTP clients of one worker (a pinned aiohttp session for Slack, a pinned pool for Teams)."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self.policy = settings.destination_policy()
        self._session: aiohttp.ClientSession | None = None
        self._pool: httpcore.AsyncConnectionPool | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = pinned_session(self.policy)
        return self._session

    @property
    def pool(self) -> httpcore.AsyncConnectionPool:
        if self._pool is None:
            self._pool = pinned_pool(self.policy, max_connections=16)
        return self._pool

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._pool is not None:
            await self._pool.aclose()

    def _judge(
        self, *, attempt: int, status_code: int | None, retry_after: str | None, detail: str
    ) -> Attempt:
        decision = self.settings.retry_decision(
            attempt=attempt, status_code=status_code, retry_after=retry_after
        )
        if decision.verdict is Verdict.SUCCEEDED:
            return Attempt(Result.SENT, detail)
        if decision.verdict is Verdict.RETRY:
            return Attempt(Result.RETRY, detail, retry_in=decision.retry_in)
        return Attempt(Result.FAILED, detail)

    # --- Slack ------------------------------------------------------------------------------------

    async def slack(self, target: SlackTarget, message: ChatMessage, *, attempt: int) -> Attempt:
        try:
            if target.bot_token:
                return await self._slack_bot(target, message, attempt=attempt)
            if target.webhook_url:
                return await self._slack_webhook(target.webhook_url, message, attempt=attempt)
        except DestinationRefused as exc:
            return Attempt(Result.FAILED, f"destination refused: {exc}"[:1000])
        except aiohttp.ClientConnectorError as exc:
            # Nothing reached the service: safe to try again.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, DestinationRefused):
                return Attempt(Result.FAILED, f"destination refused: {cause}"[:1000])
            detail = f"{type(exc).__name__}: {exc}"[:1000]
            return self._judge(attempt=attempt, status_code=None, retry_after=None, detail=detail)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The request may have been taken before the connection broke: never post it twice.
            return Attempt(Result.UNKNOWN, f"{type(exc).__name__}: {exc}"[:1000])
        return Attempt(Result.CANCELED, "the organization no longer has Slack connected")

    def _text(self, message: ChatMessage, *, mention: bool) -> str:
        who = f"For {message.person_name}: " if mention else ""
        return f"*{who}{message.subject}*\n{message.text}"

    async def _slack_bot(self, target: SlackTarget, message: ChatMessage, *, attempt: int) -> Attempt:
        client = AsyncWebClient(
            token=target.bot_token,
            base_url=self.settings.slack_api_url,
            session=self.session,
            timeout=int(self.settings.request_timeout_seconds),
            retry_handlers=[],
        )
        client.proxy = None  # never a proxy from the environment: it would route around the pinning
        try:
            try:
                found = await client.users_lookupByEmail(email=message.person_email)
                opened = await client.conversations_open(users=found["user"]["id"])
                channel, mention = opened["channel"]["id"], False
            except SlackApiError as exc:
                if exc.response.get("error") not in _NO_DIRECT_MESSAGE or not target.channel:
                    raise
                channel, mention = target.channel, True
            posted = await client.chat_postMessage(
                channel=channel, text=self._text(message, mention=mention), unfurl_links=False
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            detail = f"slack {exc.response.status_code}: {error}"
            if error in _PERMANENT or error in _NO_DIRECT_MESSAGE:
                return Attempt(Result.FAILED, detail)
            status = exc.response.status_code if exc.response.status_code != 200 else 500
            retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
            return self._judge(attempt=attempt, status_code=status, retry_after=retry_after, detail=detail)
        where = "direct message" if not mention else f"channel {channel}"
        return Attempt(Result.SENT, f"slack 200: ok ({where}, ts {posted.get('ts')})")

    async def _slack_webhook(self, url: str, message: ChatMessage, *, attempt: int) -> Attempt:
        client = AsyncWebhookClient(
            url, session=self.session, timeout=int(self.settings.request_timeout_seconds), retry_handlers=[]
        )
        client.proxy = None
        response = await client.send(text=self._text(message, mention=True), unfurl_links=False)
        retry_after = response.headers.get("Retry-After") if response.headers else None
        detail = f"slack webhook {response.status_code}: {str(response.body)[:300]}"
        return self._judge(
            attempt=attempt, status_code=response.status_code, retry_after=retry_after, detail=detail
        )

    # --- Teams ------------------------------------------------------------------------------------

    async def teams(self, url: str, message: ChatMessage, *, attempt: int) -> Attempt:
        card = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.subject,
            "title": f"For {message.person_name}: {message.subject}",
            "text": message.text.replace("\n", "\n\n"),
            "potentialAction": [
                {"@type": "OpenUri", "name": "Open", "targets": [{"os": "default", "uri": message.link}]}
            ],
        }
        result = await post_once(
            self.pool,
            url=url,
            policy=self.policy,
            headers=[
                (b"content-type", b"application/json"),
                (b"user-agent", b"mentorship-notifications/1.0"),
            ],
            body=orjson.dumps(card),
            connect_timeout=self.settings.connect_timeout_seconds,
            timeout=self.settings.request_timeout_seconds,
        )
        detail = (
            f"teams {result.status_code}: {(result.response or '')[:300]}"
            if result.status_code
            else f"teams: {result.error}"
        )
        if result.error and result.error.startswith("destination refused"):
            return Attempt(Result.FAILED, result.error[:1000])
        if result.status_code is None and not (result.error or "").startswith("ConnectError"):
            # Timed out or cut off after the request went out: it may have been posted.
            return Attempt(Result.UNKNOWN, detail[:1000])
        return self._judge(
            attempt=attempt, status_code=result.status_code, retry_after=result.retry_after, detail=detail
        )
