"""Settings of the gunicorn servers the integration tests start (``AppServer`` in
conftest.py): the test settings (the fast password hasher the test's users were made with,
Celery eager), with the cache under a key prefix of the server's own so it starts empty."""

from ccops.settings.base import env
from ccops.settings.test import *  # noqa: F403
from ccops.settings.test import CACHES

if "KEY_PREFIX" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="ccops")
