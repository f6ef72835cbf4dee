"""E-mail in without a server: parsing, customers by address, refusals, and two pollers
taking in the same message at once (PostgreSQL)."""

from email.message import EmailMessage

import pytest

from tests.services import require_postgres
from tests.workitems.test_concurrency import race
from workitems.mail_in import MessageRefused, inbound_email_take, parse_message
from workitems.models import Customer, InboundEmail, Mailbox, WorkItem, WorkItemEvent


@pytest.fixture
def mailbox(back_type):
    return Mailbox.objects.create(
        name="Claims in", host="imap.invalid", username="u", password="p", work_type=back_type
    )


def raw(sender="alice@example.com", subject="Claim", body="Hello", message_id="<a@x>", html=None):
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if html:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    return msg.as_bytes()


def test_parse_html_only_and_missing_message_id():
    first = parse_message(raw(html="<p>Broken <b>window</b></p>", message_id=None))
    assert first.body == "Broken window"
    assert first.message_id.startswith("<sha256-")
    # The same bytes name the same message: a re-poll finds it again.
    assert parse_message(raw(html="<p>Broken <b>window</b></p>", message_id=None)).message_id == (
        first.message_id
    )
    folded = b"From: a@example.com\r\nSubject: Re:\r\n  [CASE-7]  x\r\n\r\nbody\r\n"
    assert parse_message(folded).subject == "Re: [CASE-7] x"


@pytest.mark.django_db
def test_a_message_without_a_valid_sender_writes_nothing(mailbox):
    with pytest.raises(MessageRefused, match="sender"):
        inbound_email_take(mailbox=mailbox, raw=raw(sender="not an address"))
    assert not WorkItem.objects.exists() and not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_reference_to_an_unknown_case_makes_a_new_case(mailbox):
    inbound = inbound_email_take(mailbox=mailbox, raw=raw(subject="Re: [CASE-999999] hi"))
    assert inbound.outcome == InboundEmail.Outcome.CREATED
    assert inbound.item.customer == Customer.objects.get(external_ref="email:alice@example.com")
    again = inbound_email_take(mailbox=mailbox, raw=raw(subject="Re: [CASE-999999] hi"))
    assert again.was_existing and again.pk == inbound.pk
    assert WorkItem.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_pollers_take_in_one_message_once(mailbox):
    require_postgres()
    message = raw(message_id="<race@x>")

    results, errors = race([lambda: inbound_email_take(mailbox=mailbox, raw=message)] * 2)

    assert errors == [None, None]
    assert sorted(r.was_existing for r in results) == [False, True]
    assert results[0].pk == results[1].pk
    assert InboundEmail.objects.count() == 1
    assert WorkItem.objects.count() == 1 and Customer.objects.count() == 1
    assert WorkItemEvent.objects.count() == 1  # the one case's "created"


@pytest.mark.django_db(transaction=True)
def test_erasure_removes_senders_subjects_and_attachments(mailbox, settings, tmp_path, admin_user):
    from workitems.erasure import ERASED, customer_erase
    from workitems.models import EmailAttachment

    settings.MEDIA_ROOT = str(tmp_path)
    msg = EmailMessage()
    msg["From"] = "alice@example.com"
    msg["Subject"] = "My passport"
    msg["Message-ID"] = "<p@x>"
    msg.set_content("See attached")
    msg.add_attachment(b"scan", maintype="image", subtype="png", filename="passport.png")
    inbound = inbound_email_take(mailbox=mailbox, raw=msg.as_bytes())
    (attachment,) = EmailAttachment.objects.all()
    path = tmp_path / attachment.file.name
    assert path.read_bytes() == b"scan"

    customer_erase(customer=inbound.item.customer, by=admin_user, reason="request")

    inbound.refresh_from_db()
    assert (inbound.sender, inbound.subject, inbound.message_id) == ("", ERASED, "<p@x>")
    assert not EmailAttachment.objects.exists() and not path.exists()
    # The same message polled again is still known: nothing comes back.
    assert inbound_email_take(mailbox=mailbox, raw=msg.as_bytes()).was_existing


@pytest.mark.django_db
def test_attachments_are_listed_on_the_case_and_downloaded_by_who_sees_it(
    mailbox, settings, tmp_path, client, supervisor, back_agent, other_agent, norole
):
    from django.urls import reverse

    from workitems import services
    from workitems.models import EmailAttachment

    settings.MEDIA_ROOT = str(tmp_path)
    msg = EmailMessage()
    msg["From"] = "alice@example.com"
    msg["Subject"] = "Invoice"
    msg["Message-ID"] = "<inv@x>"
    msg.set_content("Attached")
    msg.add_attachment(
        b"<svg onload=alert(1)>", maintype="image", subtype="svg+xml", filename="a.svg"
    )
    case = inbound_email_take(mailbox=mailbox, raw=msg.as_bytes()).item
    attachment = EmailAttachment.objects.get()
    url = reverse("workitems:item_attachment", args=[case.pk, attachment.pk])

    client.force_login(supervisor)
    page = client.get(reverse("workitems:item_detail", args=[case.pk])).content.decode()
    assert f'href="{url}" data-testid="attachment">a.svg</a>' in page
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"<svg onload=alert(1)>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    # Another case's number with this attachment: not found.
    other = services.workitem_create(work_type=mailbox.work_type, title="Other", by=supervisor)
    assert (
        client.get(reverse("workitems:item_attachment", args=[other.pk, attachment.pk])).status_code
        == 404
    )

    # Held by an agent of the back team: another team's agent and a user without a role
    # do not see the case, so not its files either.
    services.workitem_assign(item=case, to=back_agent, by=supervisor)
    for outsider in (other_agent, norole):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(back_agent)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_attachment_download_queries(
    mailbox, settings, tmp_path, client, supervisor, django_assert_num_queries
):
    from django.urls import reverse

    from workitems.models import EmailAttachment

    settings.MEDIA_ROOT = str(tmp_path)
    msg = EmailMessage()
    msg["From"] = "alice@example.com"
    msg["Message-ID"] = "<q@x>"
    msg.set_content("Attached")
    msg.add_attachment(b"pdf", maintype="application", subtype="pdf", filename="a.pdf")
    case = inbound_email_take(mailbox=mailbox, raw=msg.as_bytes()).item
    url = reverse("workitems:item_attachment", args=[case.pk, EmailAttachment.objects.get().pk])
    client.force_login(supervisor)
    client.get(url)  # the session is read through the cache from here on
    # 1 user + team, 2 roles (who sees the case), 3 the case, 4 the attachment
    with django_assert_num_queries(4):
        response = client.get(url)
    assert b"".join(response.streaming_content) == b"pdf"


@pytest.mark.django_db
def test_a_reply_to_a_merged_case_joins_the_case_it_was_merged_into(mailbox, back_type):
    from workitems import services
    from workitems.choices import EventKind, Status

    alice = Customer.objects.create(external_ref="C-1", name="Alice", email="alice@example.com")
    kept, duplicate = (
        services.workitem_create(work_type=back_type, title=t, customer=alice)
        for t in ("Claim", "Claim again")
    )
    WorkItem.objects.filter(pk=duplicate.pk).update(status=Status.MERGED, duplicate_of=kept)
    inbound = inbound_email_take(
        mailbox=mailbox, raw=raw(subject=f"Re: [CASE-{duplicate.pk}] Claim", body="Receipt")
    )
    assert (inbound.item, inbound.outcome) == (kept, InboundEmail.Outcome.JOINED)
    assert kept.events.get(kind=EventKind.EMAIL_RECEIVED).note == "Receipt"
    assert WorkItem.objects.count() == 2  # no new case
    # Its survivor closed too (cancelled): a new case continues the one the reply named.
    WorkItem.objects.filter(pk=kept.pk).update(status=Status.CANCELLED)
    inbound = inbound_email_take(
        mailbox=mailbox,
        raw=raw(subject=f"Re: [CASE-{duplicate.pk}]", body="Hello?", message_id="<b@x>"),
    )
    assert inbound.item.related_to == duplicate and inbound.item.status == Status.NEW
    assert inbound.outcome == InboundEmail.Outcome.CREATED
    assert WorkItemEvent.objects.filter(item=duplicate, kind=EventKind.COMMENTED).exists()
