"""Single sign-on through OpenID Connect (mozilla-django-oidc), off unless configured.

``base.py`` star-imports this module on its last line, so the names read from ``base`` below
already exist. Setting ``OIDC_RP_CLIENT_ID`` switches single sign-on on; the provider's
endpoints are then required. ``oidc_settings()`` computes every value from a mapping so the
tests can switch it on with the same rules as the environment does.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from ccops.choices import Role

from .base import AUTHENTICATION_BACKENDS, CSP, LOGOUT_REDIRECT_URL, TEMPLATES

OIDC_BACKEND = "ccops.oidc.OIDCBackend"
_REQUIRED = (
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def _value(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """``name`` or the content of the file named by ``name_FILE`` (secrets), stripped."""
    file_name = environ.get(f"{name}_FILE", "")
    if file_name:
        return Path(file_name).read_text().strip()
    return environ.get(name, default).strip()


def parse_role_map(text: str) -> dict[str, str]:
    """``"idp-agents=Agent,idp-leads=Supervisor"`` -> {claim value (casefolded): role}.

    Empty: each role's own name (``Agent``, ``Workforce Planner``, ...) maps to that role. A
    target that is not a ccops role is refused at start-up: a typo would otherwise silently
    log people in with no role (or, worse, be read as another group).
    """
    if not text.strip():
        return {role.value.casefold(): role.value for role in Role}
    by_name = {role.value.casefold(): role.value for role in Role}
    mapping = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        claim_value, sep, role = pair.partition("=")
        if not sep or not claim_value.strip():
            raise ImproperlyConfigured(f"OIDC_ROLE_MAP: {pair!r} is not claim-value=Role")
        if role.strip().casefold() not in by_name:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_MAP: {role.strip()!r} is not a ccops role "
                f"(one of: {', '.join(Role.values)})"
            )
        mapping[claim_value.strip().casefold()] = by_name[role.strip().casefold()]
    return mapping


def oidc_settings(
    environ: Mapping[str, str], *, backends: list[str], csp: str, logout_redirect: str
) -> dict[str, object]:
    """Every OIDC-related setting for this environment (single sign-on off when unset)."""
    client_id = _value(environ, "OIDC_RP_CLIENT_ID")
    out: dict[str, object] = {
        "OIDC_ENABLED": bool(client_id),
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": _value(environ, "OIDC_RP_CLIENT_SECRET"),
        "OIDC_RP_SIGN_ALGO": _value(environ, "OIDC_RP_SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": _value(environ, "OIDC_RP_SCOPES", "openid email profile"),
        "OIDC_OP_LOGOUT_ENDPOINT": _value(environ, "OIDC_OP_LOGOUT_ENDPOINT"),
        "OIDC_PROVIDER_NAME": _value(environ, "OIDC_PROVIDER_NAME", "single sign-on"),
        # A dotted path reads a nested claim (Keycloak: realm_access.roles).
        "OIDC_ROLE_CLAIM": _value(environ, "OIDC_ROLE_CLAIM", "roles"),
        "OIDC_ROLE_MAP": parse_role_map(_value(environ, "OIDC_ROLE_MAP")),
        "OIDC_TIMEOUT": float(_value(environ, "OIDC_TIMEOUT", "10")),
        # PKCE costs nothing and protects the code even where the client secret leaks.
        "OIDC_USE_PKCE": True,
        # Read back at login to give the provider's end-session endpoint its id_token_hint.
        "OIDC_STORE_ID_TOKEN": True,
        "AUTHENTICATION_BACKENDS": list(backends),
        "CSP": csp,
        "LOGOUT_REDIRECT_URL": logout_redirect,
    }
    for name in _REQUIRED:
        out[name] = _value(environ, name)
    if not client_id:
        return out
    required = ["OIDC_RP_CLIENT_SECRET", *_REQUIRED]
    if not str(out["OIDC_RP_SIGN_ALGO"]).startswith(("RS", "ES")):
        required.remove("OIDC_OP_JWKS_ENDPOINT")  # HS256 verifies with the client secret
    missing = [name for name in required if not out[name]]
    if missing:
        raise ImproperlyConfigured(
            f"OIDC_RP_CLIENT_ID is set (single sign-on on) but {', '.join(missing)} not"
        )
    # After the password backend: a username/password login never reaches the provider,
    # and django-axes (first in the list) still sees every attempt.
    out["AUTHENTICATION_BACKENDS"] = [*backends, OIDC_BACKEND]
    logout = out["OIDC_OP_LOGOUT_ENDPOINT"]
    if logout:
        # After the local session ends, one hop (ccops.oidc.EndSessionView) sends a user who
        # signed in through the provider on to its end-session endpoint.
        out["LOGOUT_REDIRECT_URL"] = "oidc_end_session"
        # Logging out posts a form whose redirects end at the provider; browsers hold such
        # redirects to the Content Security Policy's form-action.
        parts = urlsplit(str(logout))
        origin = f"{parts.scheme}://{parts.netloc}"
        out["CSP"] = csp.replace("form-action 'self'", f"form-action 'self' {origin}")
    return out


_SETTINGS = oidc_settings(
    os.environ, backends=AUTHENTICATION_BACKENDS, csp=CSP, logout_redirect=LOGOUT_REDIRECT_URL
)
globals().update(_SETTINGS)
__all__ = list(_SETTINGS)

# The login page's "Sign in with ..." button reads whether single sign-on is on from here
# (an empty context while it is off).
TEMPLATES[0]["OPTIONS"]["context_processors"].append("ccops.oidc.sso_context")
