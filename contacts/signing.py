"""Secrets and signatures of contact sources: the shared scheme of :mod:`ccops.signing`
(``sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``, timestamps within
``MAX_SKEW_SECONDS``), with the sources' own sealing key: derived from
``CONTACT_SOURCE_KEY`` (default: ``SECRET_KEY``) for the purpose ``contacts``, so changing
that key means rotating every source's secret.
"""

from __future__ import annotations

from django.conf import settings

from ccops import signing as ccops_signing
from ccops.signing import MAX_SKEW_SECONDS, PREFIX, fresh, new_secret, signature, valid

PURPOSE = "contacts"

__all__ = [
    "MAX_SKEW_SECONDS",
    "PREFIX",
    "fresh",
    "new_secret",
    "seal",
    "signature",
    "unseal",
    "valid",
]


def _key() -> str:
    return getattr(settings, "CONTACT_SOURCE_KEY", "")


def seal(secret: str) -> str:
    return ccops_signing.seal(secret, purpose=PURPOSE, key=_key())


def unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be read (the key changed)."""
    return ccops_signing.unseal(sealed, purpose=PURPOSE, key=_key())
