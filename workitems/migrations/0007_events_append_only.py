"""The event log refuses changes in the database itself (PostgreSQL), not by convention.

A row trigger on ``workitems_workitemevent`` raises on UPDATE and DELETE. The one exception
is customer erasure, which must overwrite personal text: it turns on the transaction-local
setting ``ccops.erasure`` (``set_config(..., true)``), which ends with its transaction, so it
holds behind PgBouncer in transaction pooling and can never leak into another request. The
function is shared with ``quality_evaluationevent`` (quality migration 0003). TRUNCATE (test
database flushes) fires no row trigger. Elsewhere (SQLite) this migration does nothing.
"""

from django.db import migrations

FUNCTION = "ccops_event_append_only"
TRIGGER = "workitemevent_append_only"
TABLE = "workitems_workitemevent"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('ccops.erasure', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on %: the event log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Write a new event instead. Only customer erasure may overwrite text.';
END;
$$;
"""
CREATE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""
DROP_TRIGGER = f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};"
DROP_FUNCTION = f"DROP FUNCTION IF EXISTS {FUNCTION}();"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the "%" in it are RAISE's placeholders, not the driver's.
        schema_editor.execute(CREATE_FUNCTION, params=None)
        schema_editor.execute(CREATE_TRIGGER)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)
        schema_editor.execute(DROP_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("workitems", "0006_customer_erasure_events_protected")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
