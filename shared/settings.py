"""Configuration read from the environment (pydantic-settings).

Settings are grouped the way operators think of them: common settings every service reads
(``LSA_*``, ``LSA_KAFKA_*``), and one settings class per service (``LSA_<SERVICE>_*``) that embeds
the common ones. Secrets are ``SecretStr`` so they never show up in a repr or a log line, and
outside the ``dev`` profile a placeholder secret (one of the dev defaults) refuses to start.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Values that are fine on a laptop and fatal anywhere else.
DEV_JWT_SECRET = "dev-only-jwt-secret-not-for-production-0000"  # noqa: S105
DEV_SERVICE_TOKEN = "dev-only-service-token-not-for-production"  # noqa: S105
PLACEHOLDER_SECRETS = frozenset(
    {DEV_JWT_SECRET, DEV_SERVICE_TOKEN, "changethis", "change-me", "secret", "password"}
)


class Profile(StrEnum):
    DEV = "dev"
    PROD = "prod"


class KafkaSettings(BaseSettings):
    """How to reach the broker and how hard to try to deliver."""

    model_config = SettingsConfigDict(env_prefix="LSA_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    acks: Literal["all", "1", "0"] = "all"
    #: Apache Kafka supports the idempotent producer; tansu (the embedded broker) does not.
    enable_idempotence: bool = False
    topic_partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    #: A handler that raises this many times on one message sends it to the dead-letter topic.
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_auto_offset_reset: Literal["earliest", "latest"] = "earliest"


class AuthSettings(BaseSettings):
    """Bearer-token verification for the HTTP APIs.

    End users' JWTs are signed by the portal/CRM backends (HS256 with a shared secret, or RS256 /
    ES256 with their public key). Services call each other with a separate static credential.
    """

    model_config = SettingsConfigDict(env_prefix="LSA_", extra="ignore")

    jwt_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = "HS256"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str | None = None
    jwt_audience: str = "live-social-analytics"
    jwt_issuer: str | None = None
    service_token: SecretStr = SecretStr(DEV_SERVICE_TOKEN)

    @model_validator(mode="after")
    def _key_for_algorithm(self) -> Self:
        if not self.jwt_algorithm.startswith("HS"):
            if not self.jwt_public_key:
                raise ValueError(f"LSA_JWT_PUBLIC_KEY is required with {self.jwt_algorithm}")
            # The shared secret is unused with a public-key algorithm: not a placeholder then.
            self.jwt_secret = SecretStr("unused-with-public-key-algorithms")
        return self


class CommonSettings(BaseSettings):
    """What every service reads."""

    model_config = SettingsConfigDict(env_prefix="LSA_", extra="ignore")

    profile: Profile = Profile.DEV
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    log_format: Literal["console", "json"] | None = None
    #: Base URL of the connector's internal port (the ingestor asks it for access tokens).
    connector_url: str = "http://127.0.0.1:9001"
    #: When set, every platform host is reached through the emulator at ``{url}/{host}/...``.
    platform_emulator_url: str | None = None
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @property
    def json_logs(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.profile is Profile.PROD


class ServiceSettings(BaseSettings):
    """Base of each service's settings: its own database plus the common settings.

    Subclasses set ``service_name`` and ``model_config`` with their ``LSA_<SERVICE>_`` prefix.
    """

    service_name: ClassVar[str]
    #: Dev defaults of this service's own secrets, refused outside the dev profile.
    extra_placeholders: ClassVar[frozenset[str]] = frozenset()

    common: CommonSettings = Field(default_factory=CommonSettings)
    #: SQLAlchemy async URL; defaults to a SQLite file under ``LSA_DATA_DIR``.
    database_url: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    #: Port of the internal listener (``/metrics``, ``/internal/...``); ``None`` means the
    #: service's default from ``services.registry`` (9001-9005).
    internal_port: int | None = Field(default=None, ge=1, le=65535)

    @model_validator(mode="after")
    def _defaults_and_guards(self) -> Self:
        if self.database_url is None:
            path = (self.common.data_dir / f"{self.service_name}.db").resolve()
            self.database_url = SecretStr(f"sqlite+aiosqlite:///{path}")
        if self.common.profile is not Profile.DEV:
            refuse_placeholder_secrets(self, PLACEHOLDER_SECRETS | self.extra_placeholders)
        return self

    @property
    def db_url(self) -> str:
        assert self.database_url is not None  # filled by the validator
        return self.database_url.get_secret_value()


def _secrets(model: BaseModel, path: str = "") -> list[tuple[str, SecretStr | None]]:
    found: list[tuple[str, SecretStr | None]] = []
    for name in type(model).model_fields:
        value: Any = getattr(model, name)
        if isinstance(value, BaseModel):
            found.extend(_secrets(value, f"{path}{name}."))
        elif isinstance(value, SecretStr):
            found.append((f"{path}{name}", value))
    return found


def refuse_placeholder_secrets(
    settings: BaseModel, placeholders: frozenset[str] = PLACEHOLDER_SECRETS
) -> None:
    """Refuse to run outside ``dev`` with a secret left at a known placeholder (or empty)."""
    lowered = {p.lower() for p in placeholders}
    bad = [
        name
        for name, value in _secrets(settings)
        if value is not None
        and name != "database_url"
        and value.get_secret_value().strip().lower() in lowered | {""}
    ]
    if bad:
        raise ValueError(
            "placeholder secrets are only allowed with LSA_PROFILE=dev; set real values for: "
            + ", ".join(sorted(bad))
        )
