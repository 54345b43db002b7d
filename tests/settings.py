"""Test settings: the real settings, made quick and deterministic."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 48)
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MANIFEST_STATIC", "0")

from partnerportal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5
SITE_URL = "http://testserver"
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The metrics endpoint is on in tests, so that the access matrix and the URL walk check who may
# read it; tests/foundation/test_metrics.py checks that it is off (404) by default.
METRICS_ENABLED = True
# The test users sign in without a second factor unless a test asks for it (tests/accounts/).
MFA_REQUIRED_FOR_HOST_STAFF = False
# allauth's own rate limits count across tests (the cache outlives a test); axes is the lock-out.
ACCOUNT_RATE_LIMITS = False
