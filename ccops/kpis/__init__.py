"""The KPI framework: registry, recompute service, goals, process map and pilots.

Apps declare KPIs in ``<app>/kpis.py`` (see :mod:`ccops.kpis.registry`); ``autodiscover()``
imports those modules once, from ``CcopsConfig.ready``, like the admin does.
"""

from django.utils.module_loading import autodiscover_modules

from .registry import (
    AGENT,
    BOTH_OFFICES,
    HIGHER,
    LOWER,
    SCOPE,
    Kpi,
    all_kpis,
    backlog_source,
    day_bounds,
    day_cache,
    get,
    keys,
    kpi,
    kpi_keys,
    process_log,
    productive_minutes_provider,
    register,
    register_backlog,
    register_process_log,
    register_productive_minutes,
    unregister,
)

__all__ = [
    "AGENT",
    "BOTH_OFFICES",
    "HIGHER",
    "LOWER",
    "SCOPE",
    "Kpi",
    "all_kpis",
    "backlog_source",
    "autodiscover",
    "day_bounds",
    "day_cache",
    "get",
    "keys",
    "kpi",
    "kpi_keys",
    "process_log",
    "productive_minutes_provider",
    "register",
    "register_backlog",
    "register_process_log",
    "register_productive_minutes",
    "unregister",
]


def autodiscover() -> None:
    from . import sql

    sql.install()
    autodiscover_modules("kpis")
