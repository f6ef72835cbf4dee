"""``POST /api/v1/inbound-email/``: a signed raw message (or JSON mailbox + raw) is taken in
as the IMAP poller takes it in; replays write nothing; bad signatures write nothing."""

import json
import time
from email.message import EmailMessage

import pytest
from django.utils.timezone import now

from ccops import signing
from workitems.choices import EventKind, Source, Status
from workitems.mail_in import case_reference, mailbox_webhook_secret_new
from workitems.models import InboundEmail, Mailbox, WorkItem, WorkItemEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/inbound-email/"
# The mailbox; the Message-ID; the customer by address (and its creation); the duplicate
# check, the item, its event; the calendar lookup; the InboundEmail row; savepoints.
QUERIES_NEW_CASE = 16


@pytest.fixture
def mailbox(back_type, back_team):
    return Mailbox.objects.create(name="Claims in", work_type=back_type, team=back_team)


@pytest.fixture
def secret(mailbox):
    return mailbox_webhook_secret_new(mailbox=mailbox)


def raw(sender="alice@example.com", subject="Broken window", body="Please help.", mid="<w1@x>"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = subject
    msg["Message-ID"] = mid
    msg.set_content(body)
    return msg.as_bytes()


def signed(secret, body: bytes, *, mailbox="Claims in", timestamp=None) -> dict:
    ts = timestamp or str(int(time.time()))
    headers = {
        "HTTP_X_CCOPS_TIMESTAMP": ts,
        "HTTP_X_CCOPS_SIGNATURE": signing.signature(secret, ts, body),
    }
    if mailbox:
        headers["HTTP_X_CCOPS_MAILBOX"] = mailbox
    return headers


def post_raw(client, secret, body, **kw):
    return client.post(URL, body, content_type="message/rfc822", **signed(secret, body, **kw))


def test_a_raw_message_becomes_a_case_once(
    client, secret, back_type, back_team, django_assert_max_num_queries
):
    body = raw()
    with django_assert_max_num_queries(QUERIES_NEW_CASE):
        response = post_raw(client, secret, body)
    assert response.status_code == 201, response.content
    answer = response.json()
    case = WorkItem.objects.get()
    assert (answer["outcome"], answer["item"], answer["duplicate"]) == ("created", case.pk, False)
    assert (case.title, case.details, case.source) == ("Broken window", "Please help.", "email")
    assert (case.work_type, case.team, case.customer.email) == (
        back_type,
        back_team,
        "alice@example.com",
    )
    # The provider's retry: the same Message-ID, nothing written.
    events = WorkItemEvent.objects.count()
    with django_assert_max_num_queries(2):  # the mailbox; the Message-ID already taken in
        again = post_raw(client, secret, body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert (WorkItem.objects.count(), WorkItemEvent.objects.count()) == (1, events)
    assert InboundEmail.objects.get().message_id == "<w1@x>"


def test_json_with_the_mailbox_in_the_body_joins_a_closed_case_by_reopening_it(client, secret):
    first = post_raw(client, secret, raw()).json()
    WorkItem.objects.filter(pk=first["item"]).update(status=Status.DONE, completed_at=now())
    case = WorkItem.objects.get(pk=first["item"])
    reply = raw(subject=f"Re: {case_reference(case)}", body="Still broken.", mid="<w2@x>")
    body = json.dumps({"mailbox": "Claims in", "raw": reply.decode()}).encode()
    response = client.post(
        URL, body, content_type="application/json", **signed(secret, body, mailbox=None)
    )
    assert response.status_code == 201, response.content
    assert (response.json()["outcome"], response.json()["item"]) == ("joined", case.pk)
    case.refresh_from_db()
    assert case.status == Status.NEW and case.reopen_count == 1
    assert case.events.get(kind=EventKind.EMAIL_RECEIVED).note == "Still broken."
    assert WorkItem.objects.filter(source=Source.EMAIL).count() == 1


@pytest.mark.parametrize(
    "tamper",
    ["signature", "stale", "mailbox", "no secret", "inactive"],
)
def test_bad_signatures_write_nothing(client, secret, mailbox, tamper):
    body = raw()
    headers = signed(secret, body)
    if tamper == "signature":
        headers["HTTP_X_CCOPS_SIGNATURE"] = signing.signature("wrong", "1", body)
    elif tamper == "stale":
        headers = signed(secret, body, timestamp=str(int(time.time()) - 301))
    elif tamper == "mailbox":
        headers["HTTP_X_CCOPS_MAILBOX"] = "Someone else"
    elif tamper == "no secret":
        Mailbox.objects.filter(pk=mailbox.pk).update(webhook_secret_sealed="")
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(active=False)
    response = client.post(URL, body, content_type="message/rfc822", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert not WorkItem.objects.exists() and not InboundEmail.objects.exists()


def test_a_rotated_secret_stops_the_old_one(client, secret, mailbox):
    new = mailbox_webhook_secret_new(mailbox=mailbox)
    assert new != secret
    assert post_raw(client, secret, raw()).status_code == 401
    assert post_raw(client, new, raw()).status_code == 201


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (b"not json", "application/json", "raw"),
        (json.dumps({"mailbox": "Claims in"}).encode(), "application/json", "raw"),
        (json.dumps({"mailbox": "Other", "raw": "x"}).encode(), "application/json", "mailbox"),
        (json.dumps({"raw": 5}).encode(), "application/json", "raw"),
        (b"Subject: no sender\r\n\r\nhi", "message/rfc822", "raw"),
        (b"   ", "message/rfc822", "raw"),
    ],
)
def test_bad_bodies_are_a_400_naming_the_field(client, secret, body, content_type, field):
    response = client.post(URL, body, content_type=content_type, **signed(secret, body))
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not WorkItem.objects.exists() and not InboundEmail.objects.exists()


def test_the_admin_action_shows_a_new_secret_once(client, admin_user, mailbox):
    client.force_login(admin_user)
    response = client.post(
        "/admin/workitems/mailbox/",
        {"action": "new_webhook_secret", "_selected_action": [mailbox.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Webhook secret of Claims in" in text
    mailbox.refresh_from_db()
    shown = text.split("no longer works): ")[1].split("<")[0].strip()
    assert signing.unseal(mailbox.webhook_secret_sealed, purpose="mailbox-webhook") == shown


def test_a_webhook_only_mailbox_is_not_polled(mailbox):
    from workitems.mail_in import mailboxes_poll

    assert mailboxes_poll() == {}
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is None
