"""The demo's backfill of today's contacts: measured calls and chats through the contact
events service, so the dashboard's service level today is not empty on first start."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import demo
from contacts.models import Contact, ContactEvent
from workitems.models import WorkItem
from workitems.today import office_today

pytestmark = pytest.mark.django_db


def _late_morning():
    return timezone.localtime().replace(hour=11, minute=0, second=0, microsecond=0)


def test_backfill_makes_measured_contacts_today_and_is_idempotent(demo_center):
    demo_center()
    now = _late_morning()
    Contact.objects.all().delete()  # the seed's own backfill
    made = demo.backfill_today(rng=random.Random(1), now=now, tag="t1")
    assert made > 20  # two queues at ~24 an hour over 90 minutes
    contacts = Contact.objects.filter(offered_at__gte=now - timedelta(minutes=90))
    assert contacts.count() == made
    assert not ContactEvent.objects.filter(status="dead").exists()
    answered = contacts.filter(ended_at__isnull=False)
    assert answered.exists() and all(c.agent_id and c.work_item_id for c in answered)
    assert set(
        WorkItem.objects.filter(pk__in=answered.values("work_item_id")).values_list(
            "status", flat=True
        )
    ) == {"done"}
    assert all(c.ended_at <= now for c in contacts if c.ended_at)
    front = next(t for t in office_today(now=now) if t.office == "front")
    assert front.service_level.source == "contact events"
    assert front.service_level.offered > 0 and front.service_level.answered_in_target > 0
    # Again: the same event ids, nothing new.
    events = ContactEvent.objects.count()
    demo.backfill_today(rng=random.Random(1), now=now, tag="t1")
    assert ContactEvent.objects.count() == events


def test_seed_demo_runs_the_backfill_deterministically_within_today(demo_center):
    demo_center()
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if now - midnight >= timedelta(minutes=30):  # a contact has had time to finish today
        assert Contact.objects.filter(source__name=demo.SOURCE_NAME).exists()

    def run(at):
        Contact.objects.all().delete()
        ContactEvent.objects.all().delete()
        demo.backfill_today(rng=random.Random(7), now=at, tag=f"t{at:%H%M}")
        return list(
            Contact.objects.order_by("contact_id").values_list(
                "contact_id", "offered_at", "answered_at", "abandoned_at", "agent__username"
            )
        )

    first = run(_late_morning())
    assert first and first == run(_late_morning())
    # Just after midnight: nothing from yesterday.
    run(midnight + timedelta(minutes=30))
    assert not Contact.objects.filter(offered_at__lt=midnight).exists()
    assert demo.backfill_today(rng=random.Random(1), now=midnight) == 0
