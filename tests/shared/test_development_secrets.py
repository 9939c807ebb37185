"""Production refuses to run with a secret the repository ships for development: each service names
its own in `DEVELOPMENT_SECRETS` and shared.config refuses them, one rule for every service."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifications.config import DEV_SECRET_ENCRYPTION_KEY as NOTIFICATIONS_DEV_KEY
from notifications.config import DEV_UNSUBSCRIBE_SECRET, NotificationsSettings
from profiles.config import DEV_SELF_ID_ENCRYPTION_KEY, ProfilesSettings
from shared.config import ServiceSettings
from webhooks.config import DEV_SECRET_ENCRYPTION_KEY as WEBHOOKS_DEV_KEY
from webhooks.config import WebhooksSettings

REAL_JWT = "a-real-secret-of-at-least-thirty-two-characters"
REAL_KEY = "cmVhbC1rZXktb2YtdGhpcy1kZXBsb3ltZW50LTMyYmI="


def production(settings: type[ServiceSettings], **values: object) -> ServiceSettings:
    return settings(environment="production", jwt_secret=REAL_JWT, **values)


@pytest.mark.parametrize(
    ("settings", "field", "development", "real"),
    [
        (ProfilesSettings, "self_id_encryption_keys", [REAL_KEY, DEV_SELF_ID_ENCRYPTION_KEY], [REAL_KEY]),
        (WebhooksSettings, "secret_encryption_keys", [WEBHOOKS_DEV_KEY], [REAL_KEY]),
        (NotificationsSettings, "secret_encryption_keys", [NOTIFICATIONS_DEV_KEY], [REAL_KEY]),
        (NotificationsSettings, "unsubscribe_secret", DEV_UNSUBSCRIBE_SECRET, "a-real-unsubscribe-secret"),
    ],
)
def test_production_refuses_a_development_secret_and_takes_a_real_one(
    settings: type[ServiceSettings], field: str, development: object, real: object
) -> None:
    others = {name: [REAL_KEY] for name in settings.DEVELOPMENT_SECRETS if name.endswith("_keys")}
    others |= {
        name: "a-real-unsubscribe-secret" for name in settings.DEVELOPMENT_SECRETS if name.endswith("_secret")
    }
    with pytest.raises(ValidationError, match=f"production needs {field.upper()} of its own"):
        production(settings, **{**others, field: development})
    assert production(settings, **{**others, field: real}).environment == "production"
    # Development runs with what the repository ships.
    assert settings(**{field: development}).environment == "development"
