"""Settings for the benchmark server and its seeding command: production settings plus the
``bench`` app (the seeding command), a metrics middleware and a floor view.

Production's INSTALLED_APPS, MIDDLEWARE and URLs stay as they are; only this module adds to them.
``bench/run`` sets the environment (DATABASE_URL, EVIDENCE_DIR, STATIC_ROOT, signing key path);
the defaults below make the server run as production does (DEBUG off) on plain HTTP on loopback.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Every benchmark client signs in once; throttling stays on, with a limit it never reaches.
os.environ.setdefault("AXES_FAILURE_LIMIT", "100000")
os.environ.setdefault("SIGN_IN_ADDRESS_FAILURE_LIMIT", "100000")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from reviewapp.settings import *  # noqa: F403
from reviewapp.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
# First, so that it counts every query of the request (session, user, the view, session save).
MIDDLEWARE = ["bench.middleware.BenchMetricsMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
