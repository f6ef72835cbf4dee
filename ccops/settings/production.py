"""Production settings: DEBUG off, a real secret required, HTTPS-only cookies and HSTS."""

from django.core.exceptions import ImproperlyConfigured

from .secret_key import env_value

# Checked before the base settings load: with a key in the environment, base never makes
# (or reads) the laptop key under var/.
SECRET_KEY = env_value("SECRET_KEY")  # no default: refuse to start without one
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set (50+ characters) in production.")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
# No simulated demo day in production (manage.py simulate refuses to run).
DEMO_SIMULATION = env.bool("DEMO_SIMULATION", default=False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
