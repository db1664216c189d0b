"""Shared start-up for benchmarks: production settings on a fresh database, no debug."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str | None) -> str:
    """Point Kaizen at `database_url` (or a fresh SQLite file in a temp folder), migrate it,
    and return a description of the database for the JSON output."""
    data_dir = tempfile.mkdtemp(prefix="kaizen-bench-")
    os.environ.setdefault("KAIZEN_DATA_DIR", data_dir)
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("KAIZEN_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("KAIZEN_TASK_QUEUE", "immediate")
    os.environ.setdefault("EMAIL_URL", "locmem://")
    os.environ.setdefault("KAIZEN_LOG_LEVEL", "WARNING")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaizen.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # production static storage
    from django.db import connection

    return connection.vendor
