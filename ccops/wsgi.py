import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.production")
application = get_wsgi_application()


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
