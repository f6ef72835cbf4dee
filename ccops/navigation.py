"""The navigation registry: each app registers its pages and which roles see them.

ccops never imports an app by name; apps call ``register()`` from ``AppConfig.ready``.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse

# The menu's areas, in menu order: each is one dropdown.
AREAS = ("Work", "Staffing", "Quality", "People", "Insights", "Admin")

# An app that registers without an ``area`` lands in the area of its URL namespace.
_AREA_OF_NAMESPACE = {
    "workitems": "Work",
    "staffing": "Staffing",
    "quality": "Quality",
    "training": "People",
    "dashboard": "Insights",
}


def default_area(url_name: str) -> str:
    namespace = url_name.split(":", 1)[0] if ":" in url_name else ""
    return _AREA_OF_NAMESPACE.get(namespace, "Admin")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100
    home_for: frozenset[str] = field(default_factory=frozenset)
    area: str = "Admin"


_ITEMS: dict[str, NavItem] = {}


def register(
    label: str, url_name: str, roles, *, order: int = 100, home_for=(), area: str | None = None
) -> None:
    """Register a page; ``area`` (one of :data:`AREAS`) is its dropdown, by default the
    area of its URL namespace."""
    area = area or default_area(url_name)
    if area not in AREAS:
        raise ValueError(f"navigation area {area!r} is not one of {', '.join(AREAS)}")
    _ITEMS[url_name] = NavItem(label, url_name, frozenset(roles), order, frozenset(home_for), area)


_URLS: dict[tuple, str | None] = {}


def _url(url_name: str) -> str | None:
    """``reverse(url_name)`` (``None`` if it has no URL), remembered: the menu is on every
    page and reversing its ~25 names cost about 1.5 ms a page. The key holds what the URL
    depends on: the script prefix and the URLconf's resolver (a new one when the URLconf
    changes, e.g. in tests)."""
    key = (url_name, get_script_prefix(), get_resolver(get_urlconf()))
    if key not in _URLS:
        try:
            _URLS[key] = reverse(url_name)
        except NoReverseMatch:
            _URLS[key] = None
    return _URLS[key]


def items_for(user) -> list[dict]:
    """The pages this user may open, in menu order, with their URLs."""
    if not user.is_authenticated:
        return []
    out = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.label)):
        if not user.has_role(*item.roles):
            continue
        url = _url(item.url_name)
        if url is not None:
            out.append({"label": item.label, "url": url, "name": item.url_name, "area": item.area})
    return out


def groups_for(user, items: list[dict] | None = None) -> list[dict]:
    """The user's pages grouped by area, areas in :data:`AREAS` order, empty areas left out:
    ``[{"area": "Work", "items": [...]}, ...]``."""
    items = items_for(user) if items is None else items
    by_area: dict[str, list[dict]] = {area: [] for area in AREAS}
    for item in items:
        by_area[item["area"]].append(item)
    return [{"area": area, "items": rows} for area, rows in by_area.items() if rows]


def home_url_for(user) -> str | None:
    """The landing page of the user's primary role, if an app registered one."""
    role = user.primary_role
    for item in sorted(_ITEMS.values(), key=lambda i: i.order):
        if role in item.home_for:
            try:
                return reverse(item.url_name)
            except NoReverseMatch:
                continue
    return None
