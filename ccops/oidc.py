"""Single sign-on through the company's OpenID Connect provider (mozilla-django-oidc).

Settings live in ``ccops/settings/oidc.py``; everything here is inert while
``settings.OIDC_ENABLED`` is false (the views answer 404, the backend is not listed).

On each sign-in the person is matched to an account by e-mail (case-insensitive) or gets a
new one, and their ccops role groups are set from the provider's role claim: the provider is
the source of truth for roles of people who sign in through it. Groups that are not ccops
roles are left alone. Local passwords keep working through the password backend.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import path, reverse
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .backends import TeamAwareBackend
from .choices import Role
from .models import User

LOGGER = logging.getLogger(__name__)

# Set at sign-in, read once at logout: the session (where mozilla-django-oidc keeps the
# id token) is gone by the time the browser reaches the end-session hop.
LOGOUT_COOKIE = "ccops_oidc_logout"
LOGOUT_COOKIE_SALT = "ccops.oidc.logout"
USERNAME_MAX = User._meta.get_field("username").max_length
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")


# --- Claims -> roles and usernames (plain values, no ORM) ---------------------------------


def claim_value(claims: Mapping, claim_path: str):
    """The claim at ``claim_path``; a dotted path reads nested objects (``realm_access.roles``)."""
    value = claims
    for part in claim_path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def roles_from_claims(claims: Mapping, claim_path: str, role_map: Mapping[str, str]) -> set[str]:
    """The ccops roles the claim maps to. The claim may be one string or a list of strings;
    values are compared case-insensitively, values not in ``role_map`` are ignored, and
    ``role_map``'s targets are ccops roles only (checked when the settings load)."""
    value = claim_value(claims, claim_path)
    if isinstance(value, str):
        values: Iterable = [value]
    elif isinstance(value, list | tuple):
        values = value
    else:
        return set()
    roles = set(Role.values)
    return {
        role_map[v.casefold()]
        for v in values
        if isinstance(v, str) and role_map.get(v.casefold()) in roles
    }


def username_base(claims: Mapping) -> str:
    """A username from ``preferred_username``, else the e-mail's local part, reduced to the
    characters Django allows in usernames."""
    raw = str(claims.get("preferred_username") or "").strip()
    if not raw:
        raw = str(claims.get("email") or "").split("@", 1)[0]
    base = _NOT_IN_USERNAME.sub("", raw)[: USERNAME_MAX - 8]
    return base or "user"


def username_candidates(base: str):
    yield base
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1


# --- Backend --------------------------------------------------------------------------------


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with ccops' matching, account creation and roles."""

    def get_user(self, user_id):
        # Same as the password backend: the team comes with the user (no query per page).
        return TeamAwareBackend().get_user(user_id)

    def get_userinfo(self, access_token, id_token, payload):
        # Some providers put the role claim in the id token only (Entra ID's ``roles``),
        # others in the userinfo response only: read both, userinfo winning.
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_claims(self, claims):
        # Accounts are matched by e-mail, so an address the provider says it has not
        # verified must not open the account that owns it.
        return bool(claims.get("email")) and claims.get("email_verified") is not False

    def create_user(self, claims):
        base = username_base(claims)
        for username in username_candidates(base):
            if User.objects.filter(username__iexact=username).exists():
                continue
            try:
                with transaction.atomic():
                    user = User.objects.create_user(username, email=claims["email"])
            except IntegrityError:  # taken between the check and the insert
                continue
            LOGGER.info("oidc: created user %s for %s", user.username, claims["email"])
            return self.update_user(user, claims)
        raise AssertionError("unreachable")  # pragma: no cover - the generator is endless

    def update_user(self, user, claims):
        with transaction.atomic():
            update_profile(user, claims)
            sync_roles(
                user,
                roles_from_claims(claims, settings.OIDC_ROLE_CLAIM, settings.OIDC_ROLE_MAP),
            )
        return user


def update_profile(user: User, claims: Mapping) -> None:
    """Names as the provider has them (empty claims do not erase what an admin typed)."""
    changed = []
    for field, claim in (
        ("display_name", "name"),
        ("first_name", "given_name"),
        ("last_name", "family_name"),
    ):
        value = str(claims.get(claim) or "").strip()[: User._meta.get_field(field).max_length]
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)


def sync_roles(user: User, roles: set[str]) -> None:
    """Make the user's ccops role groups exactly ``roles``; other groups stay as they are."""
    current = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if current != roles:
        user.groups.remove(*Group.objects.filter(name__in=current - roles))
        user.groups.add(*Group.objects.filter(name__in=roles - current))
        LOGGER.info("oidc: roles of %s: %s -> %s", user.username, sorted(current), sorted(roles))
    if hasattr(user, "_role_names"):  # User.role_names caches per instance
        del user._role_names


# --- Views ----------------------------------------------------------------------------------


class _OnlyWhenEnabled:
    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


class AuthenticateView(_OnlyWhenEnabled, OIDCAuthenticationRequestView):
    """Sends the browser to the provider's login page."""


class CallbackView(_OnlyWhenEnabled, OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; tells the person what went wrong, if it did."""

    def login_failure(self):
        messages.error(
            self.request,
            f"Signing in with {settings.OIDC_PROVIDER_NAME} failed. Try again, or ask an admin "
            "to check that your account there has a verified e-mail address.",
        )
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))

    def login_success(self):
        response = super().login_success()
        if not self.user.primary_role:
            messages.warning(
                self.request,
                f"You are signed in, but {settings.OIDC_PROVIDER_NAME} gives you no ccops role "
                f"(claim {settings.OIDC_ROLE_CLAIM!r}), so there is nothing here for you yet. "
                "Ask your administrator to grant you a role there.",
            )
        id_token = self.request.session.get("oidc_id_token")
        if settings.OIDC_OP_LOGOUT_ENDPOINT and id_token:
            response.set_signed_cookie(
                LOGOUT_COOKIE,
                id_token,
                salt=LOGOUT_COOKIE_SALT,
                max_age=settings.SESSION_COOKIE_AGE,
                path=reverse("oidc_end_session"),
                secure=self.request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response


class EndSessionView(View):
    """Where logout lands when the provider has an end-session endpoint: a person who signed
    in through the provider is sent on to end that session too, then back to our login."""

    def get(self, request):
        login_url = resolve_url(settings.LOGIN_URL)
        id_token = request.get_signed_cookie(LOGOUT_COOKIE, None, salt=LOGOUT_COOKIE_SALT)
        if settings.OIDC_ENABLED and settings.OIDC_OP_LOGOUT_ENDPOINT and id_token:
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "client_id": settings.OIDC_RP_CLIENT_ID,
                    "post_logout_redirect_uri": request.build_absolute_uri(login_url),
                }
            )
            response = HttpResponseRedirect(f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}")
        else:
            response = HttpResponseRedirect(login_url)
        response.delete_cookie(LOGOUT_COOKIE, path=request.path)
        return response


def sso_context(request) -> dict:
    """Template context for the login page's "Sign in with ..." button."""
    if not settings.OIDC_ENABLED:
        return {}
    return {"sso_provider_name": settings.OIDC_PROVIDER_NAME}


# Included under ``oidc/`` by ccops.urls whether or not single sign-on is on (the views
# answer 404 while it is off), so switching it on needs no other URL change.
urlpatterns = [
    path("authenticate/", AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
    path("end-session/", EndSessionView.as_view(), name="oidc_end_session"),
]
