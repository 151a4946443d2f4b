"""Test settings: the production module with speed-ups and isolated file storage."""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EVIDENCE_DIR", tempfile.mkdtemp(prefix="evidence-test-"))
# Background tasks run inline where a test commits (the end-to-end tests set "rq").
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("FHIR_SUBSCRIPTION_ALLOW_PRIVATE", "true")

from .settings import *  # noqa: F403
from .settings import DATABASES, STATIC_ROOT, STORAGES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared in-memory database: the browser tests' live server and the
    # reading worker beside it then each have their own connection (WAL, busy timeout) instead
    # of sharing one, which SQLite's shared cache answers with "database table is locked".
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.mkdtemp(prefix="sqlite-test-"), "test.sqlite3")
    }

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Query budgets are pinned per request: the library revision is read when a test starts (the
# caches are cleared between tests), not again on a timer (tests/criteria/test_library_cache.py
# checks the timer and other processes).
LIBRARY_REVISION_CHECK_SECONDS = 3600.0
# The manager's figures are computed on every request in tests (tests/reviewapp/operations checks
# the reuse with this setting changed).
OPERATIONS_CACHE_SECONDS = 0
# Throttling is tested on purpose in tests/reviewapp/test_security.py; elsewhere it gets in the way.
AXES_ENABLED = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
