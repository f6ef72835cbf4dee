"""Single sign-on end to end: ccops' live server, a real OpenID Connect provider
(django-oidc-provider in its own Django process, tests/oidc_provider/) and Chromium."""

import pytest

from ccops.choices import Role
from ccops.settings.oidc import oidc_settings
from tests.factories import make_user
from tests.oidc_provider.process import running_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "ccops-e2e"
CLIENT_SECRET = "e2e-secret-not-used-anywhere-else"


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """The provider, with ccops registered as a client (redirects to this live server) and
    one person: Pat Lee, in the provider's ``cc-supervisors`` group."""
    spec = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{live_server.url}/oidc/callback/"],
        "post_logout_redirect_uris": [f"{live_server.url}/accounts/login/"],
        "users": [
            {
                "username": "pat",
                "password": "provider-pw",
                "email": "Pat.Lee@Example.com",
                "first_name": "Pat",
                "last_name": "Lee",
                "groups": ["cc-supervisors", "everyone"],
            }
        ],
    }
    with running_provider(tmp_path_factory.mktemp("oidc-provider"), spec) as url:
        yield url


@pytest.fixture
def sso_on(settings, oidc_provider):
    """Single sign-on switched on exactly as the environment would switch it on."""
    base = f"{oidc_provider}/openid"
    environ = {
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{base}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{base}/token",
        "OIDC_OP_USER_ENDPOINT": f"{base}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{base}/jwks",
        "OIDC_OP_LOGOUT_ENDPOINT": f"{base}/end-session",
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": "openid email profile roles",
        "OIDC_PROVIDER_NAME": "Company ID",
        "OIDC_ROLE_MAP": "cc-agents=Agent,cc-supervisors=Supervisor",
    }
    values = oidc_settings(
        environ,
        backends=settings.AUTHENTICATION_BACKENDS,
        csp=settings.CSP,
        logout_redirect=settings.LOGOUT_REDIRECT_URL,
    )
    for name, value in values.items():
        setattr(settings, name, value)
    return values


def test_sign_in_through_the_provider_as_the_mapped_role_and_out_again(
    page, live_server, oidc_provider, sso_on, front_team
):
    # Pat already has a local account, as an agent, under another spelling of the e-mail.
    pat = make_user(Role.AGENT, username="plee", email="pat.lee@example.com", team=front_team)

    page.goto("/accounts/login/")
    assert page.locator("#id_username").is_visible()  # the password form stays
    page.get_by_role("link", name="Sign in with Company ID").click()

    page.wait_for_url(f"{oidc_provider}/accounts/login/**")
    assert "Company ID" in page.content()
    page.fill("#id_username", "pat")
    page.fill("#id_password", "provider-pw")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Authorize").click()  # the provider's consent page

    page.wait_for_url(f"{live_server.url}/**")
    page.wait_for_load_state()
    user_menu = page.locator("[data-testid=user-menu]")
    assert user_menu.inner_text().strip() == "Pat Lee"
    nav = page.locator("[data-testid=nav]")
    page.click("[data-testid=nav-area-people]")  # the menu's areas are dropdowns
    assert nav.get_by_role("link", name="Teams").is_visible()  # a supervisor's page
    assert nav.get_by_role("link", name="My scorecard").count() == 0  # an agent's page
    pat.refresh_from_db()
    assert pat.role_names == {Role.SUPERVISOR}  # the claim replaced the local Agent role
    assert pat.display_name == "Pat Lee"

    user_menu.click()
    page.click("[data-testid=logout]")
    # Through the provider's end-session endpoint and back to the login page.
    page.wait_for_url("**/accounts/login/")
    assert page.locator("#id_username").is_visible()
    page.goto("/")
    assert "/accounts/login/" in page.url
    # The provider's session ended too: signing in again asks for the password again.
    page.get_by_role("link", name="Sign in with Company ID").click()
    assert page.locator("button", has_text="Sign in").is_visible()
    assert "Company ID" in page.title()
