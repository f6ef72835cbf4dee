"""gunicorn server hooks, used by ``gunicorn.conf.py`` (production) and the load test's
config (``bench/load/gunicorn.conf.py``).

``warm_up`` and ``freeze_heap`` run in the master after ``preload_app`` imported Django and
before the workers fork; ``tune_collector`` runs in each worker after the fork.
"""

import gc

# Python's default starts a young-generation pass every 700 net new container objects. A
# page or an API call allocates thousands, so a busy worker collected many times a second,
# each pass walking objects reference counting was about to free anyway.
YOUNG_GENERATION_THRESHOLD = 10_000


def warm_up() -> None:
    """Import the URLconf and the base template once in the master, not on each worker's
    first request: the URLconf pulls in scipy and statsmodels (pilots, forecasts), several
    CPU seconds a user would otherwise wait through after every deploy or restart."""
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
    for engine in engines.all():
        engine.get_template("base.html")


def freeze_heap() -> None:
    """Keep what was imported at boot (Django, the apps, scipy, statsmodels: about 200,000
    objects that are never freed) out of the cyclic collector's full passes, which walked it
    all with the GIL held. Frozen before the fork, the pages also stay shared between the
    workers (a collection no longer writes to them)."""
    gc.collect()
    gc.freeze()


def tune_collector() -> None:
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
