"""The navigation registry: each app registers its pages and which roles see them.

ccops never imports an app by name; apps call ``register()`` from ``AppConfig.ready``.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100
    home_for: frozenset[str] = field(default_factory=frozenset)


_ITEMS: dict[str, NavItem] = {}


def register(label: str, url_name: str, roles, *, order: int = 100, home_for=()) -> None:
    _ITEMS[url_name] = NavItem(label, url_name, frozenset(roles), order, frozenset(home_for))


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
            out.append({"label": item.label, "url": url, "name": item.url_name})
    return out


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
