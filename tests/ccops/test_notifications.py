"""The notification centre: notify by each person's channels, the outbox sent with retries
(e-mail through Django's mail backend, signed webhooks to a real HTTP receiver), the pages,
the bell and the API, and who may see what."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.choices import Role
from ccops.notification_errors import InvalidPreference
from ccops.notification_models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)
from tests.factories import make_user

Kind = notifications.Kind
pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return make_user(Role.AGENT, username="alice", email="alice@example.com")


@pytest.fixture
def bob(db):
    return make_user(Role.AGENT, username="bob", email="bob@example.com")


class Receiver:
    """A webhook receiver on a free local port that keeps what it was sent."""

    def __init__(self, status=200):
        self.calls = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.status = status
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_defaults_in_app_only_and_email_for_what_decides_your_week(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(Kind.ESCALATED, [alice], title="Item escalated", url="/work/")
        notifications.notify(Kind.SCHEDULE_PUBLISHED, [alice], title="Week 12 published")
    assert list(Notification.objects.values_list("title", flat=True)) == [
        "Week 12 published",
        "Item escalated",
    ]
    # Only the schedule went out by e-mail (a default), and it was sent after the commit.
    assert [m.subject for m in mail.outbox] == ["[ccops] Week 12 published"]
    assert mail.outbox[0].to == ["alice@example.com"]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_each_person_by_their_own_choice(alice, bob, django_capture_on_commit_callbacks):
    notifications.preferences_save(user=alice, choices={Kind.ESCALATED: {"email"}}, webhook_url="")
    with django_capture_on_commit_callbacks(execute=True):
        made = notifications.notify(
            Kind.ESCALATED, [alice, bob, None, bob], title="Escalated", body="Angry customer"
        )
    # Bob: in the app (default), once although named twice. Alice: e-mail only.
    assert [n.user for n in made] == [bob]
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "Angry customer" in mail.outbox[0].body
    assert not Notification.objects.filter(user=alice, in_app=True).exists()


def test_webhook_is_signed_slack_compatible_json(
    alice, receiver, django_capture_on_commit_callbacks
):
    notifications.preferences_save(
        user=alice, choices={Kind.ADHERENCE_ALERT: {"webhook"}}, webhook_url=receiver.url
    )
    secret = WebhookSubscription.objects.get(user=alice).secret
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            Kind.ADHERENCE_ALERT, [alice], title="Out of adherence", url="/staffing/"
        )
    ((headers, body),) = receiver.calls
    payload = json.loads(body)
    assert payload["text"].startswith("*Out of adherence*")
    assert payload["url"].endswith("/staffing/") and payload["kind"] == "adherence_alert"
    signed = headers["X-Ccops-Timestamp"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Ccops-Signature"] == f"sha256={expected}"
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_a_failing_webhook_is_retried_later_then_marked_failed(alice, settings, receiver):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    receiver.status = 500
    notifications.preferences_save(
        user=alice, choices={Kind.ESCALATED: {"webhook"}}, webhook_url=receiver.url
    )
    notifications.notify(Kind.ESCALATED, [alice], title="x")
    now = timezone.now()
    assert notifications.deliver_due(now=now) == {"sent": 0, "failed": 1}
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1
    assert message.next_attempt_at == now + timedelta(seconds=30) and "500" in message.last_error
    # Not due again before then; then twice more, and it stays "failed" for the admin.
    assert notifications.deliver_due(now=now + timedelta(seconds=10)) == {"sent": 0, "failed": 0}
    notifications.deliver_due(now=now + timedelta(minutes=1))
    notifications.deliver_due(now=now + timedelta(minutes=5))
    message.refresh_from_db()
    assert (message.status, message.attempts, len(receiver.calls)) == ("failed", 3, 3)


def test_mail_server_down_keeps_the_message_until_it_is_back(alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    notifications.notify(Kind.DISPUTE_RESOLVED, [alice], title="Upheld")
    assert notifications.deliver_due() == {"sent": 0, "failed": 1}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = timezone.now() + timedelta(minutes=1)
    assert notifications.deliver_due(now=later) == {"sent": 1, "failed": 0}
    assert [m.subject for m in mail.outbox] == ["[ccops] Upheld"]


def test_a_key_tells_each_person_once(alice):
    first = notifications.notify(Kind.SLA_BREACHED, [alice], title="#7 breached", key="item:7")
    again = notifications.notify(Kind.SLA_BREACHED, [alice], title="#7 breached", key="item:7")
    assert len(first) == 1 and again == []
    assert Notification.objects.count() == 1


def test_webhook_without_a_url_is_refused_and_nothing_saved(alice):
    with pytest.raises(InvalidPreference) as err:
        notifications.preferences_save(user=alice, choices={Kind.ESCALATED: {"webhook"}})
    assert err.value.field == "webhook_url"
    assert not NotificationPreference.objects.exists()


# --- Pages ------------------------------------------------------------------------------


def test_list_open_and_read_all_touch_only_your_own(client, alice, bob):
    mine = notifications.notify(Kind.ESCALATED, [alice], title="Mine", url="/work/items/1/")[0]
    notifications.notify(Kind.ESCALATED, [alice], title="Second")
    theirs = notifications.notify(Kind.ESCALATED, [bob], title="Bob's")[0]
    client.force_login(alice)
    page = client.get(reverse("ccops:notifications")).content.decode()
    assert "Mine" in page and "Second" in page and "Bob&#x27;s" not in page
    assert client.get(reverse("ccops:notification_badge")).content.decode().count(">2<") == 1
    opened = client.post(reverse("ccops:notification_open", args=[mine.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/work/items/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(reverse("ccops:notification_open", args=[theirs.pk])).status_code == 404
    client.post(reverse("ccops:notifications"))
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "unread" not in client.get(reverse("ccops:notification_badge")).content.decode()


def test_open_never_redirects_off_site(client, alice):
    note = notifications.notify(Kind.ESCALATED, [alice], title="x", url="https://evil.test/")[0]
    client.force_login(alice)
    response = client.post(reverse("ccops:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("ccops:notifications")


def test_settings_page_saves_choices_and_shows_errors(client, alice):
    client.force_login(alice)
    url = reverse("ccops:notification_settings")
    assert client.get(url).context["form"]["escalated__in_app"].value() is True
    bad = client.post(url, {"escalated__webhook": "on", "webhook_url": ""})
    assert bad.status_code == 400 and "Give a webhook URL" in bad.content.decode()
    assert not NotificationPreference.objects.exists()
    ok = client.post(url, {"escalated__email": "on", "sla_breached__in_app": "on"})
    assert ok.status_code == 302
    assert notifications.preferences_of(alice)[Kind.ESCALATED] == {"email"}
    assert notifications.preferences_of(alice)[Kind.SCHEDULE_PUBLISHED] == frozenset()


def test_pages_need_a_login(client):
    for name in ("ccops:notifications", "ccops:notification_badge", "ccops:notification_settings"):
        assert client.get(reverse(name))["Location"].startswith("/accounts/login/")


def test_list_and_badge_queries_do_not_grow(client, alice, django_assert_num_queries):
    for n in range(30):
        notifications.notify(Kind.ESCALATED, [alice], title=f"n{n}")
    client.force_login(alice)
    # Session user + team, roles (1 each), then the page's count and rows.
    with django_assert_num_queries(4):
        client.get(reverse("ccops:notifications"))
    with django_assert_num_queries(3):
        client.get(reverse("ccops:notification_badge"))


# --- API --------------------------------------------------------------------------------


def test_api_lists_own_and_marks_read(client, alice, bob):
    note = notifications.notify(Kind.ESCALATED, [alice], title="Mine")[0]
    other = notifications.notify(Kind.ESCALATED, [bob], title="Bob's")[0]
    client.force_login(alice)
    listed = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in listed["results"]] == ["Mine"] and listed["results"][0]["unread"]
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    read = client.post(f"/api/v1/notifications/{note.pk}/read/").json()
    assert read["unread"] is False and read["read_at"]
    notifications.notify(Kind.ESCALATED, [alice], title="Another")
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked_read": 1}
    assert Notification.objects.get(pk=other.pk).read_at is None
    client.logout()
    assert client.get("/api/v1/notifications/").status_code in (401, 403)


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_reaches_the_centre_e_mail_and_a_webhook(
    kind, alice, receiver, django_capture_on_commit_callbacks
):
    notifications.preferences_save(
        user=alice, choices={kind: {"in_app", "email", "webhook"}}, webhook_url=receiver.url
    )
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(kind, [alice], title=f"About {kind}", url="/x/")
    assert Notification.objects.get(user=alice, in_app=True).kind == kind
    assert [m.subject for m in mail.outbox] == [f"[ccops] About {kind}"]
    ((_, body),) = receiver.calls
    assert json.loads(body)["kind"] == kind
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
