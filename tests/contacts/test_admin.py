"""The admin: the dead-letter list and its replay action, rotating a source's secret."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from contacts import signing
from contacts.choices import ApplyStatus
from contacts.models import Contact, ContactEvent, ContactSource

from .conftest import event

pytestmark = pytest.mark.django_db


def test_dead_letters_are_listed_and_replayed_once_fixed(client, admin_user, post, calls):
    post(
        [
            event("e1", "offered", "2026-12-07T09:00:00+00:00", "c1", queue=calls.name),
            event("e2", "answered", "2026-12-07T09:00:09+00:00", "c1", agent="newbie"),
        ]
    )
    client.force_login(admin_user)
    url = reverse("admin:contacts_deadletter_changelist")
    page = client.get(url).content.decode()
    assert ">e2<" in page and "newbie" in page and ">e1<" not in page

    from tests.factories import make_user

    make_user("Agent", username="newbie")  # the cause is fixed
    dead = ContactEvent.objects.get(external_id="e2")
    done = client.post(url, {"action": "replay", "_selected_action": [dead.pk]}, follow=True)
    assert any("1 replayed, 0 still" in str(m) for m in get_messages(done.wsgi_request))
    dead.refresh_from_db()
    assert dead.status == ApplyStatus.APPLIED and dead.attempts == 2
    assert Contact.objects.get().wait_seconds == 9
    assert ">e2<" not in client.get(url).content.decode()


def test_the_event_and_contact_lists_show_rows(client, admin_user, post, calls):
    post(event("e1", "offered", "2026-12-07T09:00:00+00:00", "c1", queue=calls.name))
    client.force_login(admin_user)
    for name in ("contactevent", "contact", "contactsource"):
        response = client.get(reverse(f"admin:contacts_{name}_changelist"))
        assert response.status_code == 200
    assert "c1" in client.get(reverse("admin:contacts_contact_changelist")).content.decode()


def test_rotate_secret_shows_the_new_one_once(client, admin_user, source):
    src, old = source
    client.force_login(admin_user)
    url = reverse("admin:contacts_contactsource_changelist")
    done = client.post(url, {"action": "rotate_secret", "_selected_action": [src.pk]}, follow=True)
    shown = [str(m) for m in get_messages(done.wsgi_request)]
    src.refresh_from_db()
    new = signing.unseal(src.secret_sealed)
    assert new != old and any(new in m for m in shown)
    assert new not in client.get(url).content.decode()  # not on the page afterwards


def test_adding_a_source_in_the_admin_shows_its_secret(client, admin_user):
    client.force_login(admin_user)
    done = client.post(
        reverse("admin:contacts_contactsource_add"),
        {"name": "connect", "active": "on"},
        follow=True,
    )
    source = ContactSource.objects.get(name="connect")
    secret = signing.unseal(source.secret_sealed)
    assert secret and any(secret in str(m) for m in get_messages(done.wsgi_request))


def test_supervisors_cannot_replay_or_rotate(client, supervisor, source):
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    assert client.get(reverse("admin:contacts_contactsource_changelist")).status_code == 403
    assert client.get(reverse("admin:contacts_deadletter_changelist")).status_code == 403
    # They may read the events, but not replay them.
    events = client.get(reverse("admin:contacts_contactevent_changelist"))
    assert events.status_code == 200 and "Replay" not in events.content.decode()
