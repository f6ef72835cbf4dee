"""Signed requests from other systems (no ORM, no request): the shared HMAC scheme.

A request is signed ``sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``; its
timestamp (unix seconds) must be within ``MAX_SKEW_SECONDS`` of ours. Secrets are sealed
with Fernet under a key derived from ``key`` (default ``SECRET_KEY``) and a ``purpose``, so
each kind of sender has its own sealing key, and changing the key means rotating every
secret. Used by e-mail in's webhook (``workitems``) and, through ``contacts.signing`` (its own
sealing key), by contact sources: same headers, same rule.
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
HEADER_TIMESTAMP = "X-Ccops-Timestamp"
HEADER_SIGNATURE = "X-Ccops-Signature"


def _fernet(purpose: str, key: str = "") -> Fernet:
    key = key or settings.SECRET_KEY
    digest = hashlib.sha256(f"ccops.{purpose}:{key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def seal(secret: str, *, purpose: str, key: str = "") -> str:
    return _fernet(purpose, key).encrypt(secret.encode()).decode()


def unseal(sealed: str, *, purpose: str, key: str = "") -> str | None:
    """The secret, or None when it cannot be read (none stored, or the key changed)."""
    if not sealed:
        return None
    try:
        return _fernet(purpose, key).decrypt(sealed.encode()).decode()
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


def verified(*, sealed: str, purpose: str, timestamp: str, given: str, body: bytes, now: float):
    """THE check of a signed request: a fresh timestamp and the stored secret's signature
    over ``timestamp + "." + body``. False for a missing or unreadable secret alike."""
    if not fresh(timestamp or "", now):
        return False
    secret = unseal(sealed, purpose=purpose)
    return secret is not None and valid(secret, timestamp, body, given or "")
