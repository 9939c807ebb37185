"""Links and embedded videos of a module: https URLs only, videos from allowed hosts only.

The server never fetches any of them; a learner's browser opens the link or loads the player. So
what matters is what a browser would do with the URL: no other scheme, no credentials in it, and
for videos a host the organization's operators allowed (settings `video_hosts`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_VIMEO_ID = re.compile(r"^\d{1,12}$")


def url_problem(url: str) -> str | None:
    """Why `url` is not a link a module may carry (None when it is fine)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() != "https":
        return "must be an https URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    if any(character.isspace() for character in url):
        return "must not contain spaces"
    return None


def video_problem(url: str, allowed_hosts: list[str] | tuple[str, ...]) -> str | None:
    """Why `url` is not a video a module may embed (None when it is fine)."""
    problem = url_problem(url)
    if problem is not None:
        return problem
    host = (urlsplit(url).hostname or "").lower()
    if host not in {allowed.lower() for allowed in allowed_hosts}:
        return f"videos may come from {', '.join(sorted(allowed_hosts))} only"
    return None


def embed_url(url: str) -> str:
    """The player URL of a YouTube or Vimeo page URL (privacy-enhanced for YouTube); any other
    allowed URL is taken to be a player URL already."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/")
    video_id: str | None = None
    if host in {"youtube.com", "www.youtube.com"}:
        if path == "watch":
            video_id = next(iter(parse_qs(parts.query).get("v", [])), None)
        elif path.startswith(("embed/", "shorts/")):
            video_id = path.split("/", 1)[1]
    elif host == "youtu.be":
        video_id = path
    if video_id is not None and _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host == "vimeo.com" and _VIMEO_ID.match(path):
        return f"https://player.vimeo.com/video/{path}"
    return url


def provider(url: str) -> str:
    """A short name of the video's host, for players that style themselves per provider."""
    host = (urlsplit(url).hostname or "").lower()
    if "youtu" in host:
        return "youtube"
    if "vimeo" in host:
        return "vimeo"
    return host
