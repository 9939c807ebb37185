"""SCIM 2.0 provisioning (RFC 7643/7644) of the organization's people at `/scim/v2`.

An HR identity provider (Entra ID, Okta, ...) creates, updates and deactivates people through
the same use cases as the profiles API, so every change is published as the same event.
"""
