"""Settings for the test suite: the production settings with test-only values filled in.

DATABASE_URL still decides the database, so the same suite runs on SQLite and PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("KAIZEN_DATA_DIR", tempfile.mkdtemp(prefix="kaizen-test-"))
os.environ.setdefault("KAIZEN_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("KAIZEN_SECURE_COOKIES", "false")
os.environ.setdefault("EMAIL_URL", "locmem://")
# Tasks run inline in tests; the notification tests drive real queues themselves.
os.environ.setdefault("KAIZEN_TASK_QUEUE", "immediate")
# The suite's own connections are pytest-django's, one per test process: no pool (the pool
# is proven by kaizen/core/tests/test_database_pool.py against a served Kaizen).
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", "0")

from kaizen.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
# Django's test client signs in without a request, which django-axes refuses; the sign-in
# protection tests switch it on (kaizen/people/tests/test_signin_protection.py).
AXES_ENABLED = False
