"""Open items from before business-hours SLAs get their "at risk" time: their work types
have no calendar (24x7), so it is the due time less the default 25 % of the SLA. One
UPDATE per work type over its open items (the partial index on open items serves it);
closed items keep none (no label is shown for them)."""

from django.db import migrations
from django.db.models import F

OPEN = ("new", "assigned", "in_progress", "pending", "escalated")


def backfill(apps, schema_editor):
    WorkType = apps.get_model("workitems", "WorkType")
    WorkItem = apps.get_model("workitems", "WorkItem")
    for type_id, sla, percent in WorkType.objects.values_list("id", "sla", "at_risk_percent"):
        if not sla:
            continue
        WorkItem.objects.filter(
            work_type_id=type_id,
            status__in=OPEN,
            due_at__isnull=False,
            at_risk_at__isnull=True,
        ).update(at_risk_at=F("due_at") - sla * percent / 100)


class Migration(migrations.Migration):
    dependencies = [
        ("workitems", "0008_business_hours_sla_and_email_in"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
