"""Links and embedded videos: https only, videos from the allowed hosts, player URLs for embedding."""

from __future__ import annotations

from training.config import DEFAULT_VIDEO_HOSTS
from training.media import embed_url, url_problem, video_problem


def test_links_must_be_https_urls_with_a_host_and_no_credentials() -> None:
    assert url_problem("https://example.org/a?b=c") is None
    assert url_problem("http://example.org") == "must be an https URL"
    assert url_problem("javascript:alert(1)") == "must be an https URL"
    assert url_problem("https://") == "must name a host"
    assert url_problem("https://user:secret@example.org") == "must not carry credentials"


def test_videos_come_from_allowed_hosts_only() -> None:
    assert video_problem("https://www.youtube.com/watch?v=dQw4w9WgXcQ", DEFAULT_VIDEO_HOSTS) is None
    assert video_problem("https://vimeo.com/76979871", DEFAULT_VIDEO_HOSTS) is None
    problem = video_problem("https://videos.example.org/talk.mp4", DEFAULT_VIDEO_HOSTS)
    assert problem is not None and "videos may come from" in problem
    assert video_problem("http://www.youtube.com/watch?v=abc", DEFAULT_VIDEO_HOSTS) == "must be an https URL"


def test_page_urls_become_player_urls() -> None:
    player = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert embed_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42") == player
    assert embed_url("https://youtu.be/dQw4w9WgXcQ") == player
    assert embed_url("https://vimeo.com/76979871") == "https://player.vimeo.com/video/76979871"
    assert embed_url("https://player.vimeo.com/video/1") == "https://player.vimeo.com/video/1"
