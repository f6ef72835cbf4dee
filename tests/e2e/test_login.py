import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_supervisor_logs_in_sees_navigation_and_logs_out(page, login, supervisor, front_team):
    login("super")
    assert "Log in" not in page.title()
    nav = page.locator("[data-testid=nav]")
    page.click("[data-testid=nav-area-people]")  # the menu's areas are dropdowns
    assert nav.get_by_role("link", name="Teams").is_visible()
    nav.get_by_role("link", name="Teams").click()
    page.wait_for_url("**/core/teams/")
    assert "Front A" in page.locator("[data-testid=teams]").inner_text()
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/accounts/login/")
    assert page.locator("#id_username").is_visible()
    page.goto("/core/teams/")
    assert "/accounts/login/" in page.url


def test_wrong_password_shows_error(page, login, supervisor):
    login("super", "nope")
    assert "didn't match" in page.content()
