"""Secrets and signatures of contact sources (no ORM, no request).

A request is signed ``sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``; its
timestamp (unix seconds) must be within ``MAX_SKEW_SECONDS`` of ours. Secrets are sealed
with Fernet under a key derived from ``CONTACT_SOURCE_KEY`` (default: ``SECRET_KEY``), so
changing that key means rotating every source's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

MAX_SKEW_SECONDS = 300
PREFIX = "sha256="


def _fernet() -> Fernet:
    key = getattr(settings, "CONTACT_SOURCE_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"ccops.contacts:{key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be read (the key changed)."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def fresh(timestamp: str, now: float) -> bool:
    """The timestamp is whole unix seconds within ``MAX_SKEW_SECONDS`` of ``now``."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - now) <= MAX_SKEW_SECONDS


def valid(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode())
