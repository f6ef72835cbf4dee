"""Login throttling (django-axes): 5 failed passwords for one username from one address lock
that pair out for 15 minutes with a 429 and a clear page; other users and addresses are not
affected; a success resets the count; an administrator can unlock.

These tests post to the real login view: with axes, ``client.login()`` has no request to
check, so the rest of the suite uses ``force_login``.
"""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from ccops.choices import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
HOME = reverse("home")


def attempt(client, username, password, ip="10.1.1.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, username, times, ip="10.1.1.1", **extra):
    return [attempt(client, username, "wrong", ip, **extra).status_code for _ in range(times)]


def logged_in_as(client) -> str | None:
    response = client.get(HOME)
    user = response.wsgi_request.user
    return user.username if user.is_authenticated else None


def assert_locked_page(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="locked-out"' in page
    assert "Too many failed sign-in attempts" in page
    assert "ask an administrator to unlock it" in page


@pytest.fixture
def user(db):
    return make_user(Role.AGENT, username="dana")


def test_settings_are_five_failures_per_username_and_address_for_15_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_five_bad_passwords_lock_the_pair_out(user):
    client = Client()
    # The first four show the login form again with its error; the fifth locks.
    assert fail(client, "dana", 4) == [200, 200, 200, 200]
    fifth = attempt(client, "dana", "wrong")
    assert_locked_page(fifth)
    assert (
        AccessAttempt.objects.get(username="dana", ip_address="10.1.1.1").failures_since_start == 5
    )


def test_the_right_password_is_refused_while_locked(user):
    client = Client()
    fail(client, "dana", 5)
    response = attempt(client, "dana", "pw")
    assert_locked_page(response)
    assert logged_in_as(client) is None


def test_another_username_from_the_same_address_is_not_locked(user):
    make_user(Role.AGENT, username="eli")
    client = Client()
    fail(client, "dana", 5)
    response = attempt(client, "eli", "pw")
    assert response.status_code == 302 and response.url == HOME
    assert logged_in_as(client) == "eli"


def test_the_same_username_from_another_address_is_not_locked(user):
    client = Client()
    fail(client, "dana", 5, ip="10.1.1.1")
    response = attempt(client, "dana", "pw", ip="10.2.2.2")
    assert response.status_code == 302
    assert logged_in_as(client) == "dana"


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(user):
    # Only REMOTE_ADDR counts (AXES_IPWARE_META_PRECEDENCE_ORDER default): a client cannot
    # pick a fresh address per attempt through X-Forwarded-For.
    client = Client()
    for i in range(5):
        attempt(client, "dana", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert_locked_page(attempt(client, "dana", "pw", HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_a_success_before_the_limit_resets_the_count(user):
    client = Client()
    assert fail(client, "dana", 4) == [200] * 4
    assert attempt(client, "dana", "pw").status_code == 302
    client.post(reverse("logout"))
    assert not AccessAttempt.objects.filter(username="dana").exists()
    # Four more failures are again below the limit: without the reset this would be 8.
    assert fail(client, "dana", 4) == [200] * 4
    assert attempt(client, "dana", "pw").status_code == 302
    assert logged_in_as(client) == "dana"


def test_an_admin_unlocks_through_the_axes_admin(user, admin_user):
    client = Client()
    fail(client, "dana", 5)
    locked = AccessAttempt.objects.get(username="dana")
    admin = Client()
    admin.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = admin.get(changelist)
    assert listing.status_code == 200 and "dana" in listing.content.decode()
    response = admin.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [locked.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert attempt(client, "dana", "pw").status_code == 302
    assert logged_in_as(client) == "dana"


def test_an_admin_unlocks_with_the_axes_reset_command(user):
    client = Client()
    fail(client, "dana", 5)
    assert_locked_page(attempt(client, "dana", "pw"))
    call_command("axes_reset_username", "dana")
    assert attempt(client, "dana", "pw").status_code == 302
    assert logged_in_as(client) == "dana"

    client.post(reverse("logout"))
    fail(client, "dana", 5)
    call_command("axes_reset")  # everything, e.g. after an attack from many addresses
    assert attempt(client, "dana", "pw").status_code == 302
