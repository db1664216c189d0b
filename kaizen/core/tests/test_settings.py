"""Configuration: production is the default and is safe; bad values stop start-up by name."""

import subprocess
import sys

import pytest

from kaizen.env import ConfigurationError, env_bool, env_int, parse_email_url
from kaizen.testing import command_env

PRODUCTION_ENV = command_env(
    SECRET_KEY="a-long-random-production-secret-key-with-enough-entropy-0123456789abcdef",
    ALLOWED_HOSTS="itsm.example.com",
    DJANGO_SETTINGS_MODULE="kaizen.settings",
)


def run_kaizen(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kaizen", *args],
        env={**env, "KAIZEN_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang; collectstatic compresses every file
    )


def test_it_passes_the_deployment_checklist_in_production_mode(tmp_path):
    result = run_kaizen(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = run_kaizen(["check"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("kaizen: configuration error: SECRET_KEY (or SECRET_KEY_FILE)")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION_ENV["SECRET_KEY"])
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = run_kaizen(["check"], {**env, "SECRET_KEY_FILE": str(secret)}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_it_names_a_variable_with_a_bad_value(tmp_path):
    result = run_kaizen(["check"], {**PRODUCTION_ENV, "KAIZEN_DEBUG": "maybe"}, tmp_path)
    assert result.returncode == 2
    assert "KAIZEN_DEBUG must be true or false, not 'maybe'" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_it_names_a_database_url_it_cannot_use(tmp_path):
    result = run_kaizen(["check"], {**PRODUCTION_ENV, "DATABASE_URL": "sqlit:///x"}, tmp_path)
    assert result.returncode == 2
    assert "configuration error: DATABASE_URL: Scheme 'sqlit://' is unknown" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_generates_and_keeps_a_key_in_debug_mode(tmp_path):
    env = command_env(KAIZEN_DEBUG="true")
    first = run_kaizen(["check"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 40
    run_kaizen(["check"], env, tmp_path)
    assert (tmp_path / "secret_key").read_text() == key


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("1", True), ("off", False), ("", True)]
)
def test_it_reads_booleans_strictly(monkeypatch, value, expected):
    monkeypatch.setenv("KAIZEN_FLAG", value)
    assert env_bool("KAIZEN_FLAG", True) is expected


def test_it_rejects_a_non_number(monkeypatch):
    monkeypatch.setenv("KAIZEN_NUMBER", "ten")
    with pytest.raises(ConfigurationError, match="KAIZEN_NUMBER"):
        env_int("KAIZEN_NUMBER", 1)


def test_it_parses_email_urls():
    settings = parse_email_url("smtp://mailer:s%40cret@mail.example.com:587?tls=true")
    assert settings["EMAIL_HOST"] == "mail.example.com"
    assert settings["EMAIL_PORT"] == 587
    assert settings["EMAIL_HOST_USER"] == "mailer"
    assert settings["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert settings["EMAIL_USE_TLS"] is True
    assert parse_email_url("smtps://mail.example.com")["EMAIL_PORT"] == 465
    with pytest.raises(ConfigurationError, match="EMAIL_URL scheme"):
        parse_email_url("carrier-pigeon://loft")


def test_it_collects_static_files_for_production(tmp_path):
    """The manifest storage rewrites references inside CSS/JS; a missing file fails here."""
    result = run_kaizen(["collectstatic", "--noinput", "-v0"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
