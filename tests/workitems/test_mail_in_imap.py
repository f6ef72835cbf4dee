"""E-mail in against a real IMAP server (dovecot, started by the test): messages become
cases, replies naming a case join it, attachments are kept up to the size limit, and a
second poll (or the same message again) creates nothing."""

from email.message import EmailMessage

import pytest

from tests.workitems.imap_server import start_imap_server
from workitems import tasks
from workitems.choices import EventKind, Source
from workitems.mail_in import case_reference
from workitems.models import (
    Customer,
    EmailAttachment,
    InboundEmail,
    Mailbox,
    WorkItem,
    WorkItemEvent,
)

PDF = b"%PDF-1.4 a small claim form\n" * 10


@pytest.fixture(scope="module")
def imap():
    yield from start_imap_server()


@pytest.fixture
def mailbox(imap, back_type, back_team, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EMAIL_IN_MAX_ATTACHMENT_BYTES = 1000
    return Mailbox.objects.create(
        name="Claims in",
        host=imap.host,
        port=imap.port,
        use_ssl=False,
        username=imap.username,
        password=imap.password,
        work_type=back_type,
        team=back_team,
    )


def message(sender, subject, body, *, message_id, attachments=()):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "claims@example.org"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content(body)
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes()


def test_messages_become_cases_and_replies_join_them(imap, mailbox, back_type):
    known = Customer.objects.create(external_ref="C-9", name="Bob Known", email="bob@example.com")
    imap.append(
        message(
            "Alice Example <Alice@Example.com>",
            "My claim for the broken window",
            "Please find the form attached.",
            message_id="<m1@example.com>",
            attachments=[("claim form.pdf", PDF), ("photos.pdf", b"x" * 5000)],
        )
    )
    imap.append(
        message("bob@example.com", "Address change", "New address: ...", message_id="<m2@x>")
    )

    imap.append(message("no address here", "Spam", "x", message_id="<m0@x>"))

    result = tasks.poll_mailboxes()

    assert result == {
        "Claims in": {"created": 2, "joined": 0, "already": 0, "refused": 1, "failed": 0}
    }
    assert imap.unseen() == 0
    alice_case = WorkItem.objects.get(title="My claim for the broken window")
    assert alice_case.work_type == back_type
    assert alice_case.team == mailbox.team
    assert alice_case.source == Source.EMAIL
    assert alice_case.details == "Please find the form attached."
    assert alice_case.customer.email == "alice@example.com"
    assert alice_case.customer.name == "Alice Example"
    assert alice_case.due_at is not None
    bob_case = WorkItem.objects.get(title="Address change")
    assert bob_case.customer == known
    # The small attachment is kept with the case, the one over the limit is listed as dropped.
    (kept,) = EmailAttachment.objects.filter(item=alice_case)
    assert (kept.filename, kept.size, kept.content_type) == (
        "claim form.pdf",
        len(PDF),
        "application/pdf",
    )
    with kept.file.open("rb") as f:
        assert f.read() == PDF
    inbound = InboundEmail.objects.get(message_id="<m1@example.com>")
    assert inbound.attachments_dropped == [{"filename": "photos.pdf", "size": 5000}]

    # A reply from Alice naming her case joins it; the same reference from someone else
    # does not reach her case (a new case is made for them).
    ref = case_reference(alice_case)
    imap.append(
        message(
            "alice@example.com",
            f"Re: {ref} My claim",
            "Here is the receipt.",
            message_id="<m3@example.com>",
            attachments=[("receipt.pdf", PDF[:100])],
        )
    )
    imap.append(message("mallory@example.net", f"Re: {ref}", "Let me in", message_id="<m4@x>"))
    # The first message again (a resend with the same Message-ID): taken in once only.
    imap.append(message("alice@example.com", "My claim", "again", message_id="<m1@example.com>"))

    result = tasks.poll_mailboxes()

    assert result == {
        "Claims in": {"created": 1, "joined": 1, "already": 1, "refused": 0, "failed": 0}
    }
    event = WorkItemEvent.objects.get(item=alice_case, kind=EventKind.EMAIL_RECEIVED)
    assert event.note == "Here is the receipt."
    assert event.data["message_id"] == "<m3@example.com>"
    assert event.actor is None
    assert EmailAttachment.objects.filter(item=alice_case).count() == 2
    assert WorkItem.objects.get(customer__email="mallory@example.net").title == f"Re: {ref}"
    assert WorkItem.objects.filter(source=Source.EMAIL).count() == 3

    # Polling again finds nothing new and writes nothing.
    cases, events = WorkItem.objects.count(), WorkItemEvent.objects.count()
    assert tasks.poll_mailboxes() == {
        "Claims in": {"created": 0, "joined": 0, "already": 0, "refused": 0, "failed": 0}
    }
    assert (WorkItem.objects.count(), WorkItemEvent.objects.count()) == (cases, events)
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""


def test_a_wrong_password_is_recorded_on_the_mailbox(imap, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    assert tasks.poll_mailboxes() == {}
    mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in mailbox.last_error or "failed" in mailbox.last_error.lower()
    assert not WorkItem.objects.exists()


def test_replies_to_closed_cases_reopen_them_or_continue_them(imap, mailbox, back_type, settings):
    """Through the transition rules: a done case is reopened (the same case within the
    reopen window, a linked new one after it); a cancelled one cannot be reopened, so the
    reply becomes a new case linked to it."""
    from datetime import timedelta

    from django.utils import timezone

    from workitems import services
    from workitems.choices import Status

    customer = Customer.objects.create(external_ref="C-7", name="Carol", email="carol@example.com")
    now = timezone.now()
    window = timedelta(days=settings.REOPEN_AS_SAME_ITEM_WITHIN_DAYS)
    recent, old, cancelled = (
        services.workitem_create(work_type=back_type, title=title, customer=customer)
        for title in ("Recent claim", "Old claim", "Withdrawn claim")
    )
    WorkItem.objects.filter(pk=recent.pk).update(status=Status.DONE, completed_at=now)
    WorkItem.objects.filter(pk=old.pk).update(
        status=Status.DONE, completed_at=now - window - timedelta(days=1)
    )
    WorkItem.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    for n, case in enumerate((recent, old, cancelled)):
        imap.append(
            message(
                "carol@example.com",
                f"Re: {case_reference(case)} {case.title}",
                f"Not solved yet ({n}).",
                message_id=f"<closed-{n}@example.com>",
            )
        )

    assert tasks.poll_mailboxes() == {
        "Claims in": {"created": 2, "joined": 1, "already": 0, "refused": 0, "failed": 0}
    }

    # Within the window: the same case, back in the queue, the e-mail on it.
    recent.refresh_from_db()
    assert (recent.status, recent.reopen_count, recent.completed_at) == (Status.NEW, 1, None)
    kinds = list(recent.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.REOPENED, EventKind.EMAIL_RECEIVED]
    assert recent.events.get(kind=EventKind.EMAIL_RECEIVED).note == "Not solved yet (0)."
    assert InboundEmail.objects.get(message_id="<closed-0@example.com>").item == recent
    # After the window, and cancelled: a new case linked to the closed one, which stays
    # closed and names its continuation.
    for n, closed, status in ((1, old, Status.DONE), (2, cancelled, Status.CANCELLED)):
        closed.refresh_from_db()
        assert closed.status == status
        follow_up = WorkItem.objects.get(related_to=closed)
        assert (follow_up.status, follow_up.source, follow_up.customer) == (
            Status.NEW,
            Source.EMAIL,
            customer,
        )
        assert follow_up.details == f"Not solved yet ({n})."
        assert follow_up.events.get(kind=EventKind.EMAIL_RECEIVED).note == follow_up.details
        assert (
            f"new item #{follow_up.pk}" in closed.events.filter(kind=EventKind.COMMENTED).get().note
        )
        inbound = InboundEmail.objects.get(message_id=f"<closed-{n}@example.com>")
        assert (inbound.item, inbound.outcome) == (follow_up, InboundEmail.Outcome.CREATED)
