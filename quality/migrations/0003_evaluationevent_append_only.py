"""Evaluation events refuse UPDATE and DELETE on PostgreSQL, with the trigger function of
workitems migration 0007 (see there; a no-op elsewhere)."""

from django.db import migrations

TRIGGER = "evaluationevent_append_only"
TABLE = "quality_evaluationevent"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION ccops_event_append_only();"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};")


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0002_audit_history"),
        ("workitems", "0007_events_append_only"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
