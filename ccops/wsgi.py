import gc
import os

import django

from ccops.handlers import ReleasingWSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.production")
django.setup(set_prefix=False)  # what django.core.wsgi.get_wsgi_application does

application = ReleasingWSGIHandler()


def _warm_up() -> None:
    """Import the URLconf and the base template now, at worker boot, not on the first
    request: the URLconf pulls scipy and statsmodels in (pilots, forecasts), several CPU
    seconds that a user would otherwise wait through after every deploy or worker restart."""
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
    for engine in engines.all():
        engine.get_template("base.html")


_warm_up()

YOUNG_GENERATION_THRESHOLD = 20_000


def _freeze_the_heap() -> None:
    """Move everything loaded so far (Django, the apps, scipy, statsmodels: some 200,000
    objects) out of the garbage collector's sight.

    None of it is ever freed, yet each full collection walked all of it: 100 ms with the
    GIL held, so every thread of the worker stopped. Under the load test, full and
    intermediate collections cost a worker seconds a minute and put the slowest requests
    behind half-second pauses. Frozen before gunicorn forks (``preload_app``), the objects
    also stay shared between workers (a collection no longer writes to their pages)."""
    gc.collect()
    gc.freeze()
    # A young-generation pass starts once 700 more container objects were made than freed
    # (Python's default). A page, or six threads' requests at once, keeps thousands alive
    # for a moment, so the passes came a dozen times a second per worker and each walked
    # live objects that were about to be freed by reference counting anyway. Requests leave
    # almost no cycles now (``ReleasingWSGIHandler``): pass far less often.
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


_freeze_the_heap()
