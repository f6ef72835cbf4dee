"""Walk the project's URL patterns and classify responses, for the security tests."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Patterns not checked, each with the reason. Everything else must have a rule.
SKIPPED_PREFIXES = {
    "admin/": "Django admin internals: only /admin/ itself is checked (admin_site_index)",
    "static/": "static files, no views",
    "media/": "uploaded files, no views",
}
FORMAT_SUFFIX_MARKERS = ("(?P<format>", "<drf_format_suffix:format>")  # same view, ".json"


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", the key of the rule tables
    route: str  # the pattern text, for messages
    view: type | None
    actions: dict  # DRF viewset method -> action ({} for other views)

    def accepts(self, method: str) -> bool:
        if self.actions:
            return method.lower() in self.actions
        return self.view is not None and hasattr(self.view, method.lower())


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern


def project_routes() -> tuple[list[Route], list[tuple[str, str]]]:
    """Every checked route of the project, and the skipped ones with their reason."""
    routes, skipped, seen = [], [], set()
    for route, namespace, pattern in _walk(get_resolver()):
        reason = next((r for p, r in SKIPPED_PREFIXES.items() if route.startswith(p)), None)
        if reason is None and any(m in route for m in FORMAT_SUFFIX_MARKERS):
            reason = "format-suffix duplicate of the route without the suffix"
        if reason is None and route in seen:
            reason = "shadowed: an earlier pattern has the same route"
        if reason:
            skipped.append((route, reason))
            continue
        seen.add(route)
        callback = pattern.callback
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        routes.append(Route(name, route, view, dict(getattr(callback, "actions", None) or {})))
    return routes, skipped


def url_of(route: Route, kwargs: dict) -> str:
    return reverse(route.name, kwargs=kwargs)


def is_api(route: Route) -> bool:
    return route.route.startswith("api/")


# Outcome codes of the rule tables (one per role, in ROLES order).
OK = "O"  # 2xx
REDIRECT = "R"  # 3xx, not to the login page
LOGIN = "L"  # anonymous page: redirect to the login page
UNAUTH = "A"  # anonymous API: 401 or 403
FORBIDDEN = "F"  # 403
HIDDEN = "N"  # 404
NOT_ALLOWED = "M"  # 405
PASSES = "P"  # POST got past the permission checks: not 401/403/404/405 (400 and 409 pass)


def outcome(response, *, anonymous: bool, api: bool) -> str:
    """The code of ``response`` as the rule tables write it."""
    code = response.status_code
    if 300 <= code < 400:
        location = response.get("Location", "")
        return LOGIN if "/accounts/login/" in location else REDIRECT
    if anonymous and api and code in (401, 403):
        return UNAUTH
    return {403: FORBIDDEN, 404: HIDDEN, 405: NOT_ALLOWED}.get(
        code, OK if 200 <= code < 300 else str(code)
    )


def matches(expected: str, got: str, response) -> bool:
    if expected == PASSES:
        return response.status_code not in (401, 403, 404, 405) and response.status_code < 500
    return expected == got
