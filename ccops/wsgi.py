"""WSGI entry point for gunicorn (``Procfile``); worker settings live in gunicorn.conf.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.production")

application = get_wsgi_application()
