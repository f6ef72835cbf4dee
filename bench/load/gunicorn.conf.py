"""gunicorn for the load test: 2 cores shared by gunicorn, PostgreSQL and the driver.

``gthread``, as the ``Procfile`` runs production: a few processes (each its own GIL) with a
few threads each, so a request waiting on PostgreSQL does not idle a process and a long
request (a queue page) does not hold up the short ones behind it. ``run.py`` passes
``LOAD_WORKER_CLASS``, ``LOAD_WORKERS`` and ``LOAD_THREADS`` (``sync`` ignores the last),
and ``LOAD_BIND``.
"""

import os
import time

from ccops import serving

bind = os.environ.get("LOAD_BIND", "127.0.0.1:8055")
worker_class = os.environ.get("LOAD_WORKER_CLASS", "gthread")
workers = int(os.environ.get("LOAD_WORKERS", "3"))
threads = int(os.environ.get("LOAD_THREADS", "6"))
# The driver keeps one connection per virtual user: keep them open between its requests
# (gthread; sync workers close every connection).
keepalive = 30
timeout = 60
graceful_timeout = 10
preload_app = True  # import Django once, then fork
accesslog = None  # an access log line per request would cost CPU the server needs
errorlog = "-"
loglevel = "warning"
proc_name = "ccops-load"


def when_ready(server):
    """As production (``gunicorn.conf.py``): warm Django and freeze the boot heap in the
    master, so the measured requests see warm workers."""
    serving.warm_up()
    serving.freeze_heap()


# ``LOAD_PROFILE=DIR`` (``cost.py --profile DIR``): each worker profiles every request with
# cProfile, by endpoint (the path with its numbers as ``N``), and writes ``DIR/<name>.prof``
# (``python -m pstats``) when it exits. Only for one-thread workers.
PROFILE_DIR = os.environ.get("LOAD_PROFILE")
_profiles = {}


def _endpoint(req) -> str:
    import re

    return f"{req.method} {re.sub(r'/[0-9]+/', '/N/', req.path)}"


def pre_request(worker, req):
    if PROFILE_DIR:
        import cProfile

        worker.ccops_profile = _profiles.setdefault(_endpoint(req), cProfile.Profile())
        worker.ccops_profile.enable()


def post_request(worker, req, environ, resp):
    if PROFILE_DIR:
        worker.ccops_profile.disable()


# ``LOAD_GC_STATS=DIR`` (``run.py`` sets it): each worker times the garbage collector's
# passes by generation, in CPU seconds of the thread that runs them (the GIL held, so the
# worker's other threads wait), and writes ``DIR/gc-<pid>.json`` when it exits.
GC_DIR = os.environ.get("LOAD_GC_STATS")
_collections = {"start": 0.0, "generations": {}}


def _time_collection(phase, info):
    if phase == "start":
        _collections["start"] = time.thread_time()
        return
    took = time.thread_time() - _collections["start"]
    n, total, longest = _collections["generations"].get(info["generation"], (0, 0.0, 0.0))
    _collections["generations"][info["generation"]] = (n + 1, total + took, max(longest, took))


def post_fork(server, worker):
    serving.tune_collector()
    if GC_DIR:
        import gc

        gc.callbacks.append(_time_collection)


def worker_exit(server, worker):
    if GC_DIR:
        import json

        with open(os.path.join(GC_DIR, f"gc-{os.getpid()}.json"), "w") as f:
            json.dump(_collections["generations"], f)
    if PROFILE_DIR:
        import re

        os.makedirs(PROFILE_DIR, exist_ok=True)
        for name, profile in _profiles.items():
            slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
            profile.dump_stats(os.path.join(PROFILE_DIR, f"{slug}.prof"))
