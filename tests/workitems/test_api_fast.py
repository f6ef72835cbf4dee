"""``ReadPlanMixin`` (ccops/api/fast.py) writes exactly what DRF's own
``to_representation`` writes, and reads method fields from the serializer at hand."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.api.fast import ReadPlanMixin
from workitems import services
from workitems.api.serializers import WorkItemSerializer
from workitems.models import WorkItem

pytestmark = pytest.mark.django_db


def drf(serializer, instance):
    """DRF's representation, past the mixin."""
    return super(ReadPlanMixin, serializer).to_representation(instance)


def test_work_item_output_matches_drf(agent, supervisor, front_type, customer):
    bare = services.workitem_create(work_type=front_type, title="No customer")
    held = services.workitem_create(
        work_type=front_type, title="Held", priority=4, customer=customer
    )
    services.workitem_assign(item=held, to=agent, by=supervisor, note="take it")
    now = timezone.now()
    items = list(WorkItem.objects.select_related(*services.ITEM_NAMES).order_by("id"))
    assert [i.pk for i in items] == [bare.pk, held.pk]
    for item in items:
        serializer = WorkItemSerializer(item, context={"now": now})
        assert serializer.data == drf(serializer, item)
    many = WorkItemSerializer(items, many=True, context={"now": now}).data
    assert [row["assignee_name"] for row in many] == [None, "Agent"]
    assert [row["customer_ref"] for row in many] == [None, "C-1"]
    # Method fields read this serializer's context, not the first one's.
    late = WorkItemSerializer(items[0], context={"now": bare.due_at + timedelta(seconds=1)})
    early = WorkItemSerializer(items[0], context={"now": bare.created_at})
    assert (late.data["past_due"], early.data["past_due"]) == (True, False)
