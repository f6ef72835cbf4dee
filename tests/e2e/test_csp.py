"""Browser: under the Content Security Policy, every page in each main role's navigation (plus
the API docs and the Django admin; each distinct page once, under the first role that has it)
loads with zero CSP violations and no script errors, and the charts and the Swagger UI still
render.

Violations are collected twice: Chromium's console messages ("Refused to ... because it
violates the following Content Security Policy directive") and the page's
``securitypolicyviolation`` events, recorded by an init script (injected by the browser
driver, so the policy does not block it).
"""

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ccops import navigation
from ccops.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORDER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ` +
                    `${e.sourceFile || "?"}:${e.lineNumber}`);
}, true);
"""

# Demo logins (ccops/demo.py): one user per main role.
ROLES = {
    "agent": "fo001",
    "supervisor": "sup1",
    "planner": "planner",
    "qa": "qa",
    "hr": "hr",
    "admin": "admin",
}
CHART_PAGES = {
    "dashboard:overview",
    "dashboard:me",
    "staffing:erlang",
    "staffing:backlog",
    "quality:my_quality",
}
CHART_DRAWN = (
    "() => window.Chart && [...document.querySelectorAll('canvas')].some(c => Chart.getChart(c))"
)


class Watch:
    """Everything the policy (or a broken script) says while one page is open."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, msg):
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.console.append(msg.text)

    def visit(self, url: str) -> list[str]:
        self.console.clear()
        self.errors.clear()
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response.status}"
        # A page polling with htmx may never be idle: then carry on after 5 s.
        with contextlib.suppress(PlaywrightTimeout):
            self.page.wait_for_load_state("networkidle", timeout=5000)
        events = self.page.evaluate("window.__csp || []")
        return [f"{url}: {m}" for m in [*self.console, *events, *self.errors]]


def test_every_page_of_every_role_passes_the_policy(page, login, demo_center):
    demo_center()
    page.context.add_init_script(RECORDER)
    watch = Watch(page)

    problems: list[str] = []
    visited: dict[str, list[str]] = {}
    # Each distinct page once, under the first role whose navigation has it (a page's
    # template is the same for every role; the landing page and the user menu are visited
    # under each role below).
    seen: set[str] = set()
    charts: set[str] = set()
    # The login page, before anyone signs in.
    problems += watch.visit("/accounts/login/")
    for role, username in ROLES.items():
        page.context.clear_cookies()
        login(username, "admin-pass-2026" if role == "admin" else "demo-pass-2026")
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        user = User.objects.get(username=username)
        items = navigation.items_for(user)
        assert items, f"{role} has no navigation"
        urls = [item["url"] for item in items] + ["/api/v1/docs/"]
        if role == "admin":
            urls += [
                "/admin/",
                "/admin/ccops/user/",
                f"/admin/ccops/user/{user.pk}/change/",
                "/admin/axes/accessattempt/",
            ]
        visited[role] = urls
        for item in items + [{"url": "/api/v1/docs/", "name": "api-docs"}]:
            url = item["url"]
            if url in seen:
                continue  # the same page under an earlier role: its template passed
            seen.add(url)
            problems += watch.visit(url)
            if item["name"] in CHART_PAGES and page.locator("canvas").count():
                # (No canvas: nothing to chart for this user, e.g. the admin's own quality.)
                # Chart.js drew (its data came through json_script or a data- attribute,
                # read by a static file).
                try:
                    page.wait_for_function(CHART_DRAWN, timeout=5000)
                    charts.add(item["name"])
                except PlaywrightTimeout:
                    problems.append(f"{role} {url}: no chart was drawn")
            if item["name"] == "api-docs":
                # Swagger UI started from its separate script URL and read the schema.
                page.wait_for_selector(".swagger-ui .info .title")
                assert "ccops API" in page.inner_text(".swagger-ui .info .title")
        for url in urls:
            if url not in seen:
                seen.add(url)
                problems += watch.visit(url)
        # Bootstrap's dropdown (Popper positions it through element styles, which CSP allows).
        problems += watch.visit("/")
        page.click("[data-testid=user-menu]")
        page.wait_for_selector(".dropdown-menu.show")
        problems += [f"{role} user menu: {m}" for m in page.evaluate("window.__csp")]

    assert problems == []
    assert sum(len(v) for v in visited.values()) > 100 and len(seen) > 40
    assert charts == CHART_PAGES


def test_the_watch_sees_a_violation(page):
    # The control for the test above: an inline style attribute and an inline script, as a
    # careless template would write them, are blocked and reported both ways.
    page.context.add_init_script(RECORDER)
    watch = Watch(page)
    assert watch.visit("/accounts/login/") == []
    page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<div style="color: red">x</div>');
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.appendChild(s);
        }"""
    )
    page.wait_for_function("window.__csp.length >= 2")
    assert page.evaluate("window.__ran") is None  # the inline script did not run
    directives = " ".join(page.evaluate("window.__csp"))
    assert "style-src-attr" in directives and "script-src-elem" in directives
    for _ in range(20):  # console messages arrive on their own schedule
        if len(watch.console) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(watch.console) == 2, watch.console
    assert "inline style" in watch.console[0] and "inline script" in watch.console[1]
