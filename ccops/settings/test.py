"""Test settings: base settings with a fast password hasher and Celery eager.

``DATABASE_URL``/``REDIS_URL`` still switch backends, so CI runs the suite on PostgreSQL.
"""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
DEBUG = False
