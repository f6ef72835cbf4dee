"""``ccops.rows.from_row`` builds the instance ``Model.from_db`` would, from a full row."""

from django.db import connection
from django.db.models import signals

from ccops import rows
from ccops.models import Team, User
from workitems.models import WorkItem


def read(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(model)} FROM {model._meta.db_table} WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def test_the_same_instance_as_the_orms(supervisor, front_team, make_item):
    item = make_item(title="Printer on fire")
    for model, pk in ((User, supervisor.pk), (Team, front_team.pk), (WorkItem, item.pk)):
        row = read(model, pk)
        built, end = rows.from_row(model, (*row, "next"))
        orm = model.objects.get(pk=pk)
        assert end == len(row)
        assert type(built) is model
        assert {k: v for k, v in vars(built).items() if k != "_state"} == {
            k: v for k, v in vars(orm).items() if k != "_state"
        }
        assert (built._state.adding, built._state.db) == (False, "default")
        assert built == orm
    assert rows.from_row(WorkItem, read(WorkItem, item.pk))[0].customer.name == "Alice Example"


def test_init_receivers_are_honoured(front_team, monkeypatch):
    """A model with ``pre_init`` or ``post_init`` receivers is built by ``Model.__init__``,
    which sends them."""
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.name)

    monkeypatch.setattr(rows, "_plans", {})
    signals.post_init.connect(receiver, sender=Team)
    try:
        team, _ = rows.from_row(Team, read(Team, front_team.pk))
    finally:
        signals.post_init.disconnect(receiver, sender=Team)
        rows._plans.clear()
    assert seen == [front_team.name]
    assert team.name == front_team.name
