"""The Celery app: settings from Django (namespace CELERY), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.base")

app = Celery("ccops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
