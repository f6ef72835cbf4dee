"""Browser: five wrong passwords lock the account from this address with a clear page; the
right password is then refused too, and an admin's reset lets the user in again."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login_post(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/accounts/login/")


def test_five_wrong_passwords_lock_the_sign_in(page, login, supervisor):
    for _ in range(4):
        login("super", "nope")
        assert "didn't match" in page.content()
    with page.expect_response(login_post) as fifth:
        login("super", "nope")
    assert fifth.value.status == 429
    locked = page.locator("[data-testid=locked-out]")
    assert "Too many failed sign-in attempts" in locked.inner_text()
    assert page.title() == "Sign-in locked · ccops"

    with page.expect_response(login_post) as right:
        login("super")
    assert right.value.status == 429
    assert page.locator("[data-testid=locked-out]").is_visible()

    call_command("axes_reset_username", "super")
    login("super")
    assert "/accounts/login/" not in page.url
    assert page.locator("[data-testid=user-menu]").inner_text() == str(supervisor)
