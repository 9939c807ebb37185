"""Notifications: email, Slack and Teams, an in-app inbox with a live stream, preferences and digests."""
