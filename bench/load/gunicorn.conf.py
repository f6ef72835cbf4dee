"""gunicorn for the load test: 2 cores shared by gunicorn, PostgreSQL and the driver.

``gthread``: a few processes (each its own GIL) with a few threads each, so a request
waiting on PostgreSQL does not idle a process. Override with ``LOAD_WORKERS``,
``LOAD_THREADS`` and ``LOAD_BIND``.
"""

import os

bind = os.environ.get("LOAD_BIND", "127.0.0.1:8055")
worker_class = "gthread"
workers = int(os.environ.get("LOAD_WORKERS", "3"))
threads = int(os.environ.get("LOAD_THREADS", "6"))
# The driver keeps one connection per virtual user: keep them open between its requests.
keepalive = 30
timeout = 60
graceful_timeout = 10
preload_app = True  # import Django once, then fork
accesslog = None  # an access log line per request would cost CPU the server needs
errorlog = "-"
loglevel = "warning"
proc_name = "ccops-load"


def when_ready(server):
    """Warm Django in the master, after the preload and before the fork.

    Django imports the URLconf on a process's first request, and it pulls scipy and
    statsmodels in (KPI pilots, forecasts): several CPU seconds per worker; the template
    engine imports every tag library on its first render. Workers inherit both done, so the
    measured requests see a warm server.
    """
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
    for engine in engines.all():
        engine.get_template("base.html")
