"""Settings from the environment: dev defaults, prod guards, database URLs, variable names."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from services.alerts.settings import AlertsSettings
from services.analytics.settings import AnalyticsSettings
from services.connector.settings import DEV_TOKEN_KEYS, ConnectorSettings
from services.ingestor.settings import IngestorSettings
from services.reports.settings import ReportsSettings
from shared.settings import (
    DEV_JWT_SECRET,
    DEV_SERVICE_TOKEN,
    AuthSettings,
    CommonSettings,
    KafkaSettings,
    Profile,
    ServiceSettings,
)
from tests.unit.support import clear_lsa_env

SERVICE_SETTINGS: list[tuple[type[ServiceSettings], str]] = [
    (ConnectorSettings, "connector"),
    (IngestorSettings, "ingestor"),
    (AnalyticsSettings, "analytics"),
    (AlertsSettings, "alerts"),
    (ReportsSettings, "reports"),
]
REAL_JWT_SECRET = "d2f1c0a9-real-jwt-secret-for-tests-only-7c1e"
REAL_SERVICE_TOKEN = "svc-9a8b7c6d5e4f-real-service-token"
REAL_TOKEN_KEYS = "k2026:" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_lsa_env(monkeypatch)
    # Keep default database files out of the working tree.
    monkeypatch.setenv("LSA_DATA_DIR", str(tmp_path))


def _prod_with_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_PROFILE", "prod")
    monkeypatch.setenv("LSA_JWT_SECRET", REAL_JWT_SECRET)
    monkeypatch.setenv("LSA_SERVICE_TOKEN", REAL_SERVICE_TOKEN)
    monkeypatch.setenv("LSA_CONNECTOR_TOKEN_KEYS", REAL_TOKEN_KEYS)


@pytest.mark.parametrize(("cls", "name"), SERVICE_SETTINGS)
def test_dev_profile_accepts_defaults(cls: type[ServiceSettings], name: str) -> None:
    settings = cls()
    assert settings.service_name == name
    assert settings.common.profile is Profile.DEV
    assert settings.common.auth.jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert settings.common.auth.service_token.get_secret_value() == DEV_SERVICE_TOKEN


@pytest.mark.parametrize(("cls", "name"), SERVICE_SETTINGS)
def test_database_url_defaults_to_sqlite_under_data_dir(
    cls: type[ServiceSettings], name: str, tmp_path: Path
) -> None:
    settings = cls()
    assert settings.db_url == f"sqlite+aiosqlite:///{(tmp_path / f'{name}.db').resolve()}"


@pytest.mark.parametrize(("cls", "name"), SERVICE_SETTINGS)
def test_prod_profile_refuses_placeholder_secrets(
    cls: type[ServiceSettings], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSA_PROFILE", "prod")
    with pytest.raises(ValidationError) as raised:
        cls()
    message = str(raised.value)
    assert "common.auth.jwt_secret" in message
    assert "common.auth.service_token" in message
    assert ("token_keys" in message) is (name == "connector")


@pytest.mark.parametrize(("cls", "name"), SERVICE_SETTINGS)
def test_prod_profile_with_real_secrets_passes(
    cls: type[ServiceSettings], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prod_with_real_secrets(monkeypatch)
    settings = cls()
    assert settings.common.profile is Profile.PROD
    assert settings.common.json_logs
    assert settings.service_name == name


def test_prod_connector_refuses_the_dev_token_key(monkeypatch: pytest.MonkeyPatch) -> None:
    _prod_with_real_secrets(monkeypatch)
    monkeypatch.setenv("LSA_CONNECTOR_TOKEN_KEYS", DEV_TOKEN_KEYS)
    with pytest.raises(ValidationError, match="token_keys"):
        ConnectorSettings()


@pytest.mark.parametrize("placeholder", ["changethis", "Change-Me", "PASSWORD", "", "   "])
def test_prod_refuses_generic_placeholders_and_empty_secrets(
    placeholder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prod_with_real_secrets(monkeypatch)
    monkeypatch.setenv("LSA_JWT_SECRET", placeholder)
    with pytest.raises(ValidationError, match=r"common\.auth\.jwt_secret"):
        AnalyticsSettings()


def test_prod_checks_nested_kafka_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    _prod_with_real_secrets(monkeypatch)
    monkeypatch.setenv("LSA_KAFKA_SASL_PASSWORD", "changethis")
    with pytest.raises(ValidationError, match=r"common\.kafka\.sasl_password"):
        ReportsSettings()


def test_prod_error_never_echoes_the_secret_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_PROFILE", "prod")
    with pytest.raises(ValidationError) as raised:
        AlertsSettings()
    assert DEV_JWT_SECRET not in str(raised.value)
    assert DEV_SERVICE_TOKEN not in str(raised.value)


def test_common_env_var_names_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LSA_KAFKA_BOOTSTRAP_SERVERS", "kafka-0:9093,kafka-1:9093")
    monkeypatch.setenv("LSA_KAFKA_CONSUMER_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("LSA_JWT_AUDIENCE", "custom-audience")
    monkeypatch.setenv("LSA_CONNECTOR_URL", "http://connector:8001")
    monkeypatch.setenv("LSA_PLATFORM_EMULATOR_URL", "http://emulator:9000")
    monkeypatch.setenv("LSA_LOG_FORMAT", "json")
    data_dir = tmp_path / "elsewhere"
    monkeypatch.setenv("LSA_DATA_DIR", str(data_dir))

    common = CommonSettings()
    assert common.kafka.bootstrap_servers == "kafka-0:9093,kafka-1:9093"
    assert common.kafka.consumer_max_attempts == 7
    assert common.auth.jwt_audience == "custom-audience"
    assert common.connector_url == "http://connector:8001"
    assert common.platform_emulator_url == "http://emulator:9000"
    assert common.json_logs  # explicit format wins over the dev profile
    assert common.data_dir == data_dir
    # The embedded common settings of a service read the same variables.
    assert IngestorSettings().common.kafka.bootstrap_servers == "kafka-0:9093,kafka-1:9093"
    assert IngestorSettings().db_url.endswith(f"{data_dir.resolve()}/ingestor.db")


def test_service_env_var_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://lsa:pw@db:5432/connector"
    monkeypatch.setenv("LSA_CONNECTOR_DATABASE_URL", url)
    monkeypatch.setenv("LSA_CONNECTOR_PORT", "9101")
    monkeypatch.setenv("LSA_CONNECTOR_STATE_TTL_SECONDS", "120")
    monkeypatch.setenv("LSA_INGESTOR_SYNC_CONCURRENCY", "3")
    monkeypatch.setenv("LSA_ANALYTICS_DATABASE_URL", "sqlite+aiosqlite:///analytics-x.db")

    connector = ConnectorSettings()
    assert connector.db_url == url
    assert isinstance(connector.database_url, SecretStr)
    assert "pw@" not in repr(connector)  # the URL (with its password) is a secret
    assert connector.port == 9101
    assert connector.state_ttl_seconds == 120
    assert IngestorSettings().sync_concurrency == 3
    assert AnalyticsSettings().db_url == "sqlite+aiosqlite:///analytics-x.db"
    # One service's variables do not leak into another's settings.
    assert not AlertsSettings().db_url.endswith("analytics-x.db")


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_KAFKA_CONSUMER_MAX_ATTEMPTS", "0")
    with pytest.raises(ValidationError):
        KafkaSettings()
    monkeypatch.delenv("LSA_KAFKA_CONSUMER_MAX_ATTEMPTS")
    monkeypatch.setenv("LSA_PROFILE", "staging")
    with pytest.raises(ValidationError):
        CommonSettings()


def test_auth_secrets_are_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSA_JWT_SECRET", REAL_JWT_SECRET)
    settings = AuthSettings()
    assert settings.jwt_secret.get_secret_value() == REAL_JWT_SECRET
    assert REAL_JWT_SECRET not in repr(settings)
    assert REAL_JWT_SECRET not in str(settings.model_dump())


def test_clean_env_fixture_leaves_no_lsa_variable_but_data_dir() -> None:
    assert [name for name in os.environ if name.startswith("LSA_")] == ["LSA_DATA_DIR"]
