"""Settings of the profiles service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import available_timezones

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator

from shared.config import ServiceSettings

# Development only: the key that encrypts self-identification at rest. Production must set its own.
DEV_SELF_ID_ENCRYPTION_KEY = "ZGV2LW9ubHktc2VsZi1pZGVudGlmaWNhdGlvbi1rZXk="


class ProfilesSettings(ServiceSettings):
    DEVELOPMENT_SECRETS: ClassVar[dict[str, str]] = {"self_id_encryption_keys": DEV_SELF_ID_ENCRYPTION_KEY}
    service_name: str = "profiles"
    # Where this API is reachable from outside (the gateway's URL + `/profiles`): SCIM `Location`
    # and `meta.location` are built from it, never from the request's Host header.
    public_base_url: str = "http://127.0.0.1:8000/profiles"
    # What a person provisioned by SCIM or a bulk import gets when the HR system does not say.
    default_time_zone: str = "UTC"
    default_language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    # Bulk imports: rows per transaction, its new people written with one insert (a batch with a
    # refused row is done again in smaller groups, down to a savepoint per row around the refused
    # one: far past 64 savepoints in one transaction PostgreSQL slows down). Imports run as tasks on
    # the job runner (`job_*` settings).
    import_batch_size: int = Field(default=1000, ge=1, le=1000)
    # Fernet keys (url-safe base64 of 32 bytes) encrypting self-identified values and each
    # organization's pseudonym secret at rest. The first encrypts, every one decrypts: rotate by
    # putting a new key first; the reseal job then re-encrypts every value with it, after which the
    # old key can go.
    self_id_encryption_keys: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr(DEV_SELF_ID_ENCRYPTION_KEY)], min_length=1
    )
    self_id_reseal_seconds: float = Field(default=3600.0, gt=0)
    self_id_reseal_batch_size: int = Field(default=500, ge=1, le=10_000)

    @field_validator("default_time_zone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone")
        return value

    @field_validator("self_id_encryption_keys")
    @classmethod
    def _fernet_keys(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for key in keys:
            try:
                Fernet(key.get_secret_value().encode())
            except ValueError as exc:
                raise ValueError(
                    "SELF_ID_ENCRYPTION_KEYS must be Fernet keys (url-safe base64 of 32 bytes)"
                ) from exc
        return keys
