"""Alerts out: ``notify`` tells people something, in the app, by e-mail and by webhook, each
as they chose; ``deliver_due`` sends the outbox.

Every app calls :func:`notify` from the service that made the change, inside its transaction:
the in-app rows and the outbox rows commit with the change or not at all. After the commit
the outbox is handed to Celery (``ccops.dispatch``: inline when the broker is down); a
minutely beat task sends whatever is still due, so a message written while Redis or the mail
server was down goes out once they are back. Sending locks each message (``SKIP LOCKED``), so
two workers never send one twice.

Webhook messages are Slack-compatible JSON (``text``, plus ``kind``, ``title``, ``body``,
``url``) signed as contact events are: ``X-Ccops-Timestamp: <unix seconds>`` and
``X-Ccops-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import dispatch
from .notification_models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

Kind = NotificationKind

# What a person gets before they choose: in the app always; e-mail for what decides their
# week or their evaluation.
DEFAULT_CHANNELS: dict[str, frozenset[str]] = {
    kind: frozenset({Channel.IN_APP}) for kind in Kind.values
} | {
    Kind.DISPUTE_RESOLVED: frozenset({Channel.IN_APP, Channel.EMAIL}),
    Kind.TIME_OFF_DECIDED: frozenset({Channel.IN_APP, Channel.EMAIL}),
    Kind.SCHEDULE_PUBLISHED: frozenset({Channel.IN_APP, Channel.EMAIL}),
}

WEBHOOK_TIMEOUT_SECONDS = 5


def channels_of(pref: NotificationPreference | None, kind: str) -> frozenset[str]:
    if pref is None:
        return DEFAULT_CHANNELS[kind]
    chosen = {Channel.IN_APP: pref.in_app, Channel.EMAIL: pref.email, Channel.WEBHOOK: pref.webhook}
    return frozenset(channel for channel, on in chosen.items() if on)


def preferences_of(user) -> dict[str, frozenset[str]]:
    """Each kind's channels for ``user`` (their choice, or the default)."""
    prefs = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    return {kind: channels_of(prefs.get(kind), kind) for kind in Kind.values}


@transaction.atomic
def preferences_save(*, user, choices: dict[str, Iterable[str]], webhook_url: str = "") -> None:
    """Store ``user``'s channels per kind (kinds not named keep theirs) and their webhook URL
    ("" removes it). Webhook chosen without a URL is refused."""
    from .notification_errors import InvalidPreference

    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise InvalidPreference(f"Unknown kind: {', '.join(sorted(unknown))}.", field="kind")
    wants_webhook = any(Channel.WEBHOOK in set(chosen) for chosen in choices.values())
    if wants_webhook and not webhook_url:
        raise InvalidPreference("Give a webhook URL to be told by webhook.", field="webhook_url")
    for kind, chosen in choices.items():
        chosen = set(chosen)
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={
                "in_app": Channel.IN_APP in chosen,
                "email": Channel.EMAIL in chosen,
                "webhook": Channel.WEBHOOK in chosen,
            },
        )
    if webhook_url:
        WebhookSubscription.objects.update_or_create(user=user, defaults={"url": webhook_url})
    else:
        WebhookSubscription.objects.filter(user=user).delete()


def notify(kind: str, users: Iterable, *, title: str, body: str = "", url: str = "", key=""):
    """Tell ``users`` (``None`` and inactive ones skipped, each once) about one thing, by the
    channels each chose. ``key`` (e.g. ``"item:42"``) makes it once per person: a second call
    with the same kind and key tells nobody again. Returns the in-app notifications made."""
    people = {u.pk: u for u in users if u is not None and u.is_active}
    if not people:
        return []
    with transaction.atomic():
        prefs = {
            p.user_id: p
            for p in NotificationPreference.objects.filter(user__in=list(people), kind=kind)
        }
        channels = {pk: channels_of(prefs.get(pk), kind) for pk in people}
        hooks = {}
        if any(Channel.WEBHOOK in c for c in channels.values()):
            hooks = {
                w.user_id: w for w in WebhookSubscription.objects.filter(user__in=list(people))
            }
        made, outbox = [], []
        for pk, user in people.items():
            note = Notification(
                user=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                key=key,
                in_app=Channel.IN_APP in channels[pk],
            )
            if key:
                try:
                    with transaction.atomic():
                        note.save()  # the unique (user, kind, key) decides "once"
                except IntegrityError:
                    continue
            else:
                note.save()
            if note.in_app:
                made.append(note)
            outbox.extend(_outbox_for(note, user, channels[pk], hooks.get(pk)))
        if outbox:
            OutboxMessage.objects.bulk_create(outbox)
            dispatch.enqueue_on_commit(deliver_outbox)
    return made


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _outbox_for(note: Notification, user, channels, hook) -> list[OutboxMessage]:
    link = _absolute(note.url)
    out = []
    if Channel.EMAIL in channels and user.email:
        text = "\n\n".join(part for part in (note.body, link) if part)
        out.append(
            OutboxMessage(
                channel=Channel.EMAIL,
                notification=note,
                user=user,
                kind=note.kind,
                recipient=user.email,
                payload={"subject": f"[ccops] {note.title}", "text": text},
            )
        )
    if Channel.WEBHOOK in channels and hook is not None:
        lines = [f"*{note.title}*", note.body, f"<{link}>" if link else ""]
        out.append(
            OutboxMessage(
                channel=Channel.WEBHOOK,
                notification=note,
                user=user,
                kind=note.kind,
                recipient=hook.url,
                payload={
                    "text": "\n".join(line for line in lines if line),
                    "kind": note.kind,
                    "title": note.title,
                    "body": note.body,
                    "url": link,
                    "user": user.username,
                },
            )
        )
    return out


# --- Sending ------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, timestamp + "." + body)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _send_webhook(message: OutboxMessage) -> None:
    hook = WebhookSubscription.objects.filter(user_id=message.user_id).first()
    secret = hook.secret if hook is not None else ""
    body = json.dumps(message.payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        message.recipient,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "ccops-webhooks",
            "X-Ccops-Timestamp": timestamp,
            "X-Ccops-Signature": signature(secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


def _send_email(message: OutboxMessage) -> None:
    send_mail(
        message.payload.get("subject", ""),
        message.payload.get("text", ""),
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
    )


SENDERS = {Channel.EMAIL: _send_email, Channel.WEBHOOK: _send_webhook}


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 ... minutes after each failure, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _attempt(message: OutboxMessage, now) -> bool:
    try:
        SENDERS[message.channel](message)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        message.attempts += 1
        message.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxMessage.Status.FAILED
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        logger.warning("outbox %s to %s failed: %s", message.pk, message.recipient, exc)
        return False
    message.attempts += 1
    message.status = OutboxMessage.Status.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return True


def deliver_due(*, batch: int = 100, now=None) -> dict[str, int]:
    """Send every message that is due, a batch at a time, each under a row lock that other
    senders skip. Returns how many were sent and how many failed this time."""
    counts = {"sent": 0, "failed": 0}
    now = now or timezone.now()
    while True:
        with transaction.atomic():
            due = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")[:batch]
            )
            for message in due:
                counts["sent" if _attempt(message, now) else "failed"] += 1
        if len(due) < batch:
            return counts


@shared_task(acks_late=True, name="ccops.notifications.deliver_outbox")
def deliver_outbox() -> dict[str, int]:
    """Send the outbox's due messages (queued after each notify, and every minute by beat)."""
    return deliver_due()
