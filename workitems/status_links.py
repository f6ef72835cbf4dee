"""Signed, expiring links that let a customer see their case's status without logging in.

The token carries the item id and a timestamp, signed with ``SECRET_KEY`` and a salt of its
own (so no other signed value of the project can be replayed here). It expires after
``CUSTOMER_LINK_MAX_AGE_DAYS`` (default 30) days; the page then says the link has expired.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "workitems.customer-status-link"


class LinkExpired(Exception):
    """The signature is genuine but older than the allowed age."""


class LinkInvalid(Exception):
    """The token was not made by us (tampered, truncated or garbage)."""


def max_age() -> timedelta:
    return timedelta(days=getattr(settings, "CUSTOMER_LINK_MAX_AGE_DAYS", 30))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(item) -> str:
    return _signer().sign(str(item.pk))


def read_token(token: str) -> int:
    """The item id in ``token``; raises ``LinkExpired`` or ``LinkInvalid``."""
    try:
        value = _signer().unsign(token, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise LinkExpired(str(exc)) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid(str(exc)) from exc
    if not value.isdigit():
        raise LinkInvalid("Not an item reference.")
    return int(value)


def status_path(item) -> str:
    return reverse("workitems:public_status", kwargs={"token": make_token(item)})


def status_url(request, item) -> str:
    """The absolute link to give the customer."""
    return request.build_absolute_uri(status_path(item))
