"""gunicorn's production settings (read from the working directory; the Procfile's ``web``).

``gthread``: a few processes (each its own GIL) with a few threads each, so a request
waiting on PostgreSQL does not idle a process. Scale out with more hosts running this, all
against one PostgreSQL (through PgBouncer) and Redis: README, "Production".
"""

import os

from ccops import serving

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "6"))
keepalive = 30
timeout = 60
graceful_timeout = 20
preload_app = True  # import Django once in the master, then fork (see ccops.serving)
accesslog = "-"


def when_ready(server):
    serving.warm_up()
    serving.freeze_heap()


def post_fork(server, worker):
    serving.tune_collector()
