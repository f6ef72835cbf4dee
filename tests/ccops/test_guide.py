"""The user guide in the app: docs/guide rendered, each role's own page marked."""

import pytest
from django.urls import reverse

from ccops.guide_views import PAGES, render

pytestmark = pytest.mark.django_db


def test_each_page_renders_with_pictures_served_by_the_app(client, agent):
    client.force_login(agent)
    page = client.get(reverse("ccops:guide_page", args=["agent"])).content.decode()
    assert "<h1>Agent</h1>" in page and "Take the next item" in page
    assert 'src="/static/guide/agent-my-work.jpg"' in page
    assert "fw-semibold" in page and "Agent (you)" in page
    contents = client.get(reverse("ccops:guide")).content.decode()
    assert f'href="{reverse("ccops:guide_page", args=["planner"])}"' in contents


def test_every_listed_page_exists_and_links_inside_the_app():
    for name in PAGES.values():
        from ccops.guide_views import GUIDE_DIR

        html = render((GUIDE_DIR / name).read_text())
        assert '.md"' not in html, name  # links point at the app's pages, not the files


def test_unknown_page_and_anonymous(client, agent):
    assert client.get("/core/guide/nope/").status_code in (302, 404)
    client.force_login(agent)
    assert client.get("/core/guide/nope/").status_code == 404
    client.logout()
    assert client.get(reverse("ccops:guide"))["Location"].startswith("/accounts/login/")
