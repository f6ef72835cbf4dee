"""The user guide's pictures (docs/guide/img/), taken from a small demo center in a real
browser, one role at a time. Each shot also checks that its page shows what the guide says
it shows, so a page that breaks fails here instead of leaving the guide out of date.

The pictures are written only when asked (``GUIDE_SCREENSHOTS=1``: a run on the guide's own
small demo, seed 7); otherwise (CI, ``make test``) the test still signs in as each role and
checks every page, on the session's shared demo (tests/demo_world.py), and writes nothing."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from ccops.demo import ADMIN_PASSWORD, DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GUIDE_IMG = Path(__file__).resolve().parents[2] / "docs" / "guide" / "img"
WRITE = os.environ.get("GUIDE_SCREENSHOTS") == "1"

# role login, password, [(picture name, path, text the page must show)]
SHOTS = [
    (
        "fo001",
        DEMO_PASSWORD,
        [
            ("agent-my-work", "/work/", "My work"),
            ("agent-my-quality", "/quality/mine/", "quality"),
            ("agent-my-schedule", "/staffing/my-schedule/", "Time off"),
        ],
    ),
    (
        "sup1",
        DEMO_PASSWORD,
        [
            ("supervisor-dashboard", "/dashboard/", "Dashboard"),
            ("supervisor-queue", "/work/queue/", "Queue"),
            ("supervisor-wallboard", "/dashboard/wallboard/", "Service level"),
            ("supervisor-time-off", "/staffing/time-off/", "Time off"),
        ],
    ),
    (
        "planner",
        DEMO_PASSWORD,
        [
            ("planner-forecasts", "/staffing/forecasts/", "Forecast"),
            ("planner-intraday", "/staffing/intraday/?at=11:00", "Intraday"),
            ("planner-schedule-runs", "/staffing/schedule-runs/", "schedule"),
        ],
    ),
    (
        "qa",
        DEMO_PASSWORD,
        [
            ("qa-queue", "/quality/queue/", "evaluation queue"),
            ("qa-scorecards", "/quality/scorecards/", "Scorecard"),
        ],
    ),
    ("hr", DEMO_PASSWORD, [("hr-skills", "/training/skills/", "Skills")]),
    ("admin", ADMIN_PASSWORD, [("admin-audit-export", "/core/audit/export/", "Audit trail")]),
]


def test_the_guide_pictures_each_role_s_pages(browser, live_server, demo_center):
    if WRITE:
        call_command("seed_demo", agents=8, seed=7, verbosity=0)
        GUIDE_IMG.mkdir(parents=True, exist_ok=True)
    else:
        demo_center()
    for username, password, shots in SHOTS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 768}
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        for name, path, shows in shots:
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            assert response.status == 200, f"{path} as {username}: {response.status}"
            assert shows.lower() in page.locator("main").inner_text().lower(), (name, path)
            if WRITE:
                page.screenshot(path=str(GUIDE_IMG / f"{name}.jpg"), type="jpeg", quality=60)
        # The guide is one click away in every role's menu, their own page marked.
        page.click("[data-testid=user-menu]")
        page.click("[data-testid=guide-link]")
        page.wait_for_url("**/core/guide/")
        assert "(you)" in page.locator("[data-testid=guide-pages]").inner_text()
        context.close()
    # Every shot the guide shows has its picture (written now, or by an earlier asked run).
    pictures = {p.stem for p in GUIDE_IMG.glob("*.jpg")}
    assert {name for _, _, shots in SHOTS for name, _, _ in shots} <= pictures
