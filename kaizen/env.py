"""Typed readers for configuration from environment variables.

Every variable Kaizen reads is documented in docs/configuration.md. The readers reject values
they do not understand instead of guessing, so a typo stops start-up with a message that names
the variable. A secret `NAME` may also be given as a path in `NAME_FILE` (for Docker/K8s secrets).
The `kaizen` command first reads a local configuration file (`load_env_file`), which is how a
development checkout keeps its settings between terminals.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dotenv


class ConfigurationError(Exception):
    """A configuration variable is missing or has a value Kaizen cannot use."""


def load_env_file() -> Path | None:
    """Put the variables of the local configuration file into the environment, where they are
    not set already (the environment wins), and return the file read, if any.

    The file is KAIZEN_ENV_FILE when set (it must exist; /dev/null reads nothing), otherwise
    `.env` in the current folder when there is one: `make run` writes it in the checkout.
    """
    named = os.environ.get("KAIZEN_ENV_FILE")
    path = Path(named) if named else Path.cwd() / ".env"
    if not path.exists():
        if named:
            raise ConfigurationError(f"KAIZEN_ENV_FILE: there is no file {path}")
        return None
    try:
        dotenv.load_dotenv(path, override=False)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc
    return path


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ConfigurationError(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_email_url(url: str) -> dict[str, object]:
    """Turn `smtp://user:pass@host:port?tls=true` into Django's EMAIL_* settings.

    Schemes: smtp (plain, or STARTTLS with ?tls=true), smtps (implicit TLS), console (prints
    mail), locmem (keeps mail in memory, for tests).
    """
    parsed = urlparse(url)
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ConfigurationError(
            f"EMAIL_URL scheme must be one of {', '.join(sorted(backends))}, not {parsed.scheme!r}"
        )
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    settings: dict[str, object] = {"EMAIL_BACKEND": backends[parsed.scheme]}
    if parsed.scheme in {"smtp", "smtps"}:
        try:
            port = parsed.port
        except ValueError as exc:
            raise ConfigurationError(f"EMAIL_URL has a bad port: {exc}") from exc
        settings.update(
            EMAIL_HOST=parsed.hostname or "localhost",
            EMAIL_PORT=port or (465 if parsed.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_SSL=parsed.scheme == "smtps",
            EMAIL_USE_TLS=options.get("tls", "false").lower() in _TRUE,
            EMAIL_TIMEOUT=int(options.get("timeout", "10")),
        )
    return settings
