"""Single sign-on without a network: the settings switch, claim -> role mapping, matching by
e-mail, account creation, and the callback/logout views with the provider's answers faked.
The real provider and browser are in tests/e2e/test_sso.py."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ccops.choices import Role
from ccops.models import User
from ccops.oidc import LOGOUT_COOKIE, OIDCBackend, roles_from_claims, username_base
from ccops.settings.oidc import OIDC_BACKEND, oidc_settings, parse_role_map
from tests.factories import make_user

IDP = "https://id.example.com"
ENV = {
    "OIDC_RP_CLIENT_ID": "ccops",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{IDP}/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": f"{IDP}/token",
    "OIDC_OP_USER_ENDPOINT": f"{IDP}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{IDP}/jwks",
    "OIDC_PROVIDER_NAME": "Company ID",
    "OIDC_ROLE_MAP": "cc-agents=Agent,cc-leads=supervisor,cc-wfm=Workforce Planner",
}
BACKENDS = ["axes.backends.AxesStandaloneBackend", "ccops.backends.TeamAwareBackend"]
CSP = "default-src 'self'; form-action 'self'"


def compute(environ):
    return oidc_settings(environ, backends=BACKENDS, csp=CSP, logout_redirect="login")


@pytest.fixture
def sso_on(settings):
    values = compute(ENV | {"OIDC_OP_LOGOUT_ENDPOINT": f"{IDP}/logout"})
    for name, value in values.items():
        setattr(settings, name, value)
    return values


# --- Settings -------------------------------------------------------------------------------


def test_off_when_unset():
    values = compute({})
    assert values["OIDC_ENABLED"] is False
    assert values["AUTHENTICATION_BACKENDS"] == BACKENDS
    assert values["LOGOUT_REDIRECT_URL"] == "login"
    assert values["CSP"] == CSP


def test_on_adds_the_backend_after_axes_and_the_password_backend():
    values = compute(ENV)
    assert values["OIDC_ENABLED"] is True
    assert values["AUTHENTICATION_BACKENDS"] == [*BACKENDS, OIDC_BACKEND]
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["OIDC_USE_PKCE"] is True
    # No end-session endpoint: logout stays local.
    assert values["LOGOUT_REDIRECT_URL"] == "login"
    assert values["CSP"] == CSP


def test_on_with_missing_endpoints_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_TOKEN_ENDPOINT"):
        compute({k: v for k, v in ENV.items() if k != "OIDC_OP_TOKEN_ENDPOINT"})


def test_hs256_needs_no_jwks_endpoint():
    environ = {k: v for k, v in ENV.items() if k != "OIDC_OP_JWKS_ENDPOINT"}
    assert compute(environ | {"OIDC_RP_SIGN_ALGO": "HS256"})["OIDC_ENABLED"]
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_JWKS_ENDPOINT"):
        compute(environ)


def test_end_session_endpoint_routes_logout_through_it_and_allows_it_in_csp():
    values = compute(ENV | {"OIDC_OP_LOGOUT_ENDPOINT": f"{IDP}/logout"})
    assert values["LOGOUT_REDIRECT_URL"] == "oidc_end_session"
    assert "form-action 'self' https://id.example.com" in values["CSP"]


def test_client_secret_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    environ = {k: v for k, v in ENV.items() if k != "OIDC_RP_CLIENT_SECRET"}
    values = compute(environ | {"OIDC_RP_CLIENT_SECRET_FILE": str(secret)})
    assert values["OIDC_RP_CLIENT_SECRET"] == "from-a-file"


def test_role_map_default_is_each_roles_own_name():
    assert parse_role_map("") == {role.value.casefold(): role.value for role in Role}


def test_role_map_refuses_a_target_that_is_not_a_ccops_role():
    with pytest.raises(ImproperlyConfigured, match="'superuser' is not a ccops role"):
        parse_role_map("cc-admins=superuser")
    with pytest.raises(ImproperlyConfigured, match="not claim-value=Role"):
        parse_role_map("cc-admins")


# --- Claims -> roles, usernames -------------------------------------------------------------

ROLE_MAP = parse_role_map(ENV["OIDC_ROLE_MAP"])


@pytest.mark.parametrize(
    ("claims", "path", "expected"),
    [
        ({"roles": ["cc-agents", "cc-leads"]}, "roles", {Role.AGENT, Role.SUPERVISOR}),
        ({"roles": "CC-LEADS"}, "roles", {Role.SUPERVISOR}),  # one string, any case
        ({"roles": ["cc-wfm", "printer-users", 7]}, "roles", {Role.PLANNER}),  # others ignored
        ({"realm_access": {"roles": ["cc-agents"]}}, "realm_access.roles", {Role.AGENT}),
        ({"groups": ["cc-agents"]}, "roles", set()),  # no such claim
        ({"roles": None}, "roles", set()),
        ({"roles": ["Agent"]}, "roles", set()),  # not mapped by this map
    ],
)
def test_roles_from_claims(claims, path, expected):
    assert roles_from_claims(claims, path, ROLE_MAP) == expected


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"preferred_username": "pat.lee", "email": "p@x.com"}, "pat.lee"),
        ({"email": "Pat.Lee@Example.com"}, "Pat.Lee"),
        ({"preferred_username": "Pat Lee (contractor)"}, "PatLeecontractor"),
        ({"preferred_username": "  ", "email": "()@x.com"}, "user"),
    ],
)
def test_username_base(claims, expected):
    assert username_base(claims) == expected


# --- Matching, creation and roles (the backend, provider calls faked) ----------------------


@pytest.fixture
def userinfo(monkeypatch):
    """Make the provider's userinfo answer ``claims`` (the id token's claims are ``{}``)."""
    answer = {}

    def fake(self, access_token, id_token, payload):
        return answer

    monkeypatch.setattr(OIDCAuthenticationBackend, "get_userinfo", fake)
    return answer


def sign_in(claims, userinfo):
    userinfo.clear()
    userinfo.update(claims)
    return OIDCBackend().get_or_create_user("access", "id-token", {})


@pytest.mark.django_db
def test_matches_an_existing_user_by_email_and_sets_roles_from_the_claim(sso_on, userinfo):
    pat = make_user(Role.AGENT, username="plee", email="Pat.Lee@Example.com")
    other_group = Group.objects.create(name="Newsletter")
    pat.groups.add(other_group)

    user = sign_in(
        {"email": "pat.lee@example.COM", "name": "Pat Lee", "roles": ["cc-leads", "x"]},
        userinfo,
    )

    assert user.pk == pat.pk
    assert User.objects.count() == 1
    pat.refresh_from_db()
    assert set(pat.groups.values_list("name", flat=True)) == {Role.SUPERVISOR, "Newsletter"}
    assert pat.display_name == "Pat Lee"
    assert user.primary_role == Role.SUPERVISOR  # the returned instance is not stale


@pytest.mark.django_db
def test_creates_a_user_with_a_unique_username_and_no_password(sso_on, userinfo):
    make_user(Role.AGENT, username="pat", email="someone.else@example.com")

    user = sign_in(
        {
            "email": "pat@example.com",
            "preferred_username": "PAT",
            "given_name": "Pat",
            "family_name": "Lee",
            "roles": ["cc-agents"],
        },
        userinfo,
    )

    user.refresh_from_db()
    assert user.username == "PAT-2"  # "pat" is taken (compared case-insensitively)
    assert user.email == "pat@example.com"
    assert (user.first_name, user.last_name) == ("Pat", "Lee")
    assert not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {Role.AGENT}


@pytest.mark.django_db
def test_a_user_with_no_mapped_role_loses_their_roles(sso_on, userinfo):
    pat = make_user(Role.SUPERVISOR, username="plee", email="pat@example.com")

    user = sign_in({"email": "pat@example.com", "roles": ["printer-users"]}, userinfo)

    assert user.pk == pat.pk
    assert not pat.groups.exists()
    assert user.primary_role is None


@pytest.mark.django_db
def test_refuses_an_unverified_email_and_an_ambiguous_one(sso_on, userinfo):
    make_user(Role.AGENT, username="a", email="shared@example.com")
    make_user(Role.AGENT, username="b", email="SHARED@example.com")
    make_user(Role.ADMIN, username="boss", email="boss@example.com")

    with pytest.raises(SuspiciousOperation, match="Claims verification failed"):
        sign_in({"email": "boss@example.com", "email_verified": False}, userinfo)
    with pytest.raises(SuspiciousOperation, match="Claims verification failed"):
        sign_in({"preferred_username": "boss"}, userinfo)  # no e-mail at all
    with pytest.raises(SuspiciousOperation, match="Multiple users"):
        sign_in({"email": "shared@example.com"}, userinfo)
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_roles_may_come_from_the_id_token(sso_on, userinfo, settings):
    settings.OIDC_ROLE_CLAIM = "roles"
    userinfo.update({"email": "pat@example.com"})
    user = OIDCBackend().get_or_create_user("access", "id-token", {"roles": ["cc-wfm"]})
    assert user.primary_role == Role.PLANNER


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_off_the_login_page_has_no_button_and_the_routes_answer_404(client):
    page = client.get(reverse("login")).content.decode()
    assert 'name="username"' in page
    assert "Sign in with" not in page
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


@pytest.mark.django_db
def test_on_the_login_page_keeps_the_password_form_and_offers_the_provider(client, sso_on):
    page = client.get(reverse("login") + "?next=/work/").content.decode()
    assert 'name="password"' in page
    assert "Sign in with Company ID" in page
    assert f"{reverse('oidc_authentication_init')}?next=/work/" in page


@pytest.mark.django_db
def test_password_login_still_works_when_on(client, sso_on):
    make_user(Role.ADMIN, username="boss")
    response = client.post(reverse("login"), {"username": "boss", "password": "pw"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "ccops.backends.TeamAwareBackend"


def start(client):
    """The authenticate view's redirect to the provider, as query parameters."""
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{IDP}/authorize"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


@pytest.fixture
def provider_answers(monkeypatch, userinfo):
    """The token endpoint and token check faked: the provider says whatever ``userinfo``
    holds."""
    monkeypatch.setattr(
        OIDCBackend, "get_token", lambda self, payload: {"id_token": "idt", "access_token": "at"}
    )
    monkeypatch.setattr(OIDCBackend, "verify_token", lambda self, token, **kw: {"sub": "1"})
    return userinfo


@pytest.mark.django_db
def test_callback_signs_in_and_warns_a_user_without_a_role(client, sso_on, provider_answers):
    provider_answers.update({"email": "new@example.com", "roles": ["printer-users"]})
    params = start(client)
    assert params["client_id"] == "ccops"
    assert params["code_challenge_method"] == "S256"  # PKCE

    response = client.get(
        reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"]}
    )

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["_auth_user_backend"] == OIDC_BACKEND
    home = client.get(response["Location"], follow=True).content.decode()
    assert "gives you no ccops role" in home
    assert response.cookies[LOGOUT_COOKIE]["path"] == reverse("oidc_end_session")

    # Logout ends the local session, then the hop sends the browser to the provider.
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("oidc_end_session")
    assert "_auth_user_id" not in client.session
    response = client.get(response["Location"])
    location = urlsplit(response["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{IDP}/logout"
    assert query["id_token_hint"] == "idt"
    assert query["post_logout_redirect_uri"] == "http://testserver/accounts/login/"
    # Read once: a second visit (or a local user's logout) just lands on the login page.
    assert client.get(reverse("oidc_end_session"))["Location"] == reverse("login")


@pytest.mark.django_db
def test_callback_failure_says_so_on_the_login_page(client, sso_on, provider_answers):
    provider_answers.update({"email": "x@example.com", "email_verified": False})
    params = start(client)
    response = client.get(
        reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"]}
    )
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Signing in with Company ID failed" in page
    assert not User.objects.filter(email="x@example.com").exists()
