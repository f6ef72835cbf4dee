"""Browser: no page of any role overflows sideways, at a laptop's width (1366x768) and a
phone's (390x844). Each role signs in, opens every page its menu lists and a few detail
pages, and the test fails on ``scrollWidth > innerWidth``, naming the widest element that
sticks out. Long unbroken text (an idea title of 150 letters) is part of the data.
"""

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ccops import navigation
from ccops.models import Team, User
from training.models import Idea
from workitems.models import Customer, WorkItem

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = {
    "agent": "fo001",
    "supervisor": "sup1",
    "planner": "planner",
    "qa": "qa",
    "hr": "hr",
    "admin": "admin",
}
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
LONG = "x" * 150

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"

# Which element sticks out the furthest past the right edge (its tag, id, classes, text).
CULPRIT = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  let worst = null;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    // An element's own text may stick out of its box: count its content's width too.
    const right = Math.max(r.right, r.left + el.scrollWidth);
    if (r.width === 0 || right <= width + 1) continue;
    // Inside a scrolling box (.table-responsive): that box scrolls, the page does not.
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { clipped = true; break; }
      p = p.parentElement;
    }
    if (clipped) continue;
    // The deepest element of the furthest right edge (document order: children come later).
    if (!worst || right >= worst.right) worst = {el, right};
  }
  const el = worst && worst.el;
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
    element: el ? `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
      `${typeof el.className === "string" && el.className ?
         "." + el.className.trim().split(/\\s+/).join(".") : ""}` +
      ` "${(el.textContent || "").trim().slice(0, 60)}" right=${Math.round(worst.right)}` : "?",
  };
}"""


def _detail_urls(role: str) -> list[str]:
    item = WorkItem.objects.order_by("pk").first()
    customer = Customer.objects.order_by("pk").first()
    team = Team.objects.order_by("pk").first()
    idea = Idea.objects.get(title=LONG)
    urls = [f"/training/ideas/{idea.pk}/"]
    if role in ("supervisor", "admin"):
        urls += [f"/work/items/{item.pk}/", f"/work/customers/{customer.pk}/"]
    if role in ("supervisor", "planner", "qa", "hr", "admin"):
        urls += [f"/dashboard/team/{team.pk}/", "/dashboard/office/front/"]
    return urls


def test_no_page_of_any_role_overflows_sideways(page, login, demo_center):
    demo_center()
    Idea.objects.create(
        title=LONG, description="y" * 400, submitted_by=User.objects.get(username="fo001")
    )
    problems: list[str] = []
    visited = 0
    for role, username in ROLES.items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1366, "height": 768})
        login(username, "admin-pass-2026" if role == "admin" else "demo-pass-2026")
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        user = User.objects.get(username=username)
        urls = [i["url"] for i in navigation.items_for(user)]
        assert urls, f"{role} has no menu"
        urls += [u for u in _detail_urls(role) if u not in urls]
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, f"{role} {url}"
            page.wait_for_load_state("load")
            # One load, both widths: the layout follows the viewport (media queries).
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                # Charts follow the new width a frame or two later (a resize observer):
                # give the layout up to 2 s to settle before naming what sticks out.
                with contextlib.suppress(PlaywrightTimeout):
                    page.wait_for_function(FITS, timeout=2000)
                culprit = page.evaluate(CULPRIT)
                visited += 1
                if culprit:
                    problems.append(f"{role} {size} {url}: {culprit}")
    assert problems == [], "\n".join(problems)
    assert visited > 80


def test_the_check_sees_an_overflow(page, login):
    # The control: a wide element in the page is found and named.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    assert page.evaluate(CULPRIT) is None
    page.evaluate(
        """() => { const d = document.createElement("div"); d.id = "wide";
                   d.textContent = "%s"; d.style.whiteSpace = "nowrap";
                   d.style.overflowWrap = "normal";
                   document.querySelector("main").appendChild(d); }"""
        % ("W" * 200)
    )
    culprit = page.evaluate(CULPRIT)
    assert culprit is not None and "div#wide" in culprit["element"]
