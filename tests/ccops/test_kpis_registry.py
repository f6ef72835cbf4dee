"""The registry API, the nightly task and its beat entry, and the admin pages."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, InterfaceError
from django.urls import reverse

from ccops import kpis, tasks
from ccops.kpi_models import KpiSnapshot, SharedGoal
from ccops.models import JobRun

from . import kpi_data
from .kpi_data import D

pytestmark = pytest.mark.django_db

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types


@pytest.mark.parametrize(
    "change, message",
    [
        ({"direction": "up"}, "direction"),
        ({"offices": {"middle"}}, "offices"),
        ({"offices": set()}, "offices"),
        ({"level": "planet"}, "level"),
        ({"key": "bad key!"}, "bad KPI key"),
    ],
)
def test_register_rejects_bad_definitions(change, message):
    options = {
        "key": "test_kpi",
        "name": "Test",
        "unit": "%",
        "direction": kpis.HIGHER,
        "compute": lambda day: [],
    }
    with pytest.raises(ValueError, match=message):
        kpis.register(**{**options, **change})
    assert "test_kpi" not in kpis.kpi_keys()


def test_register_and_decorator_form():
    @kpis.kpi("test_decorated", name="Decorated", unit="items", direction=kpis.LOWER, order=999)
    def compute(day):
        return [(1, 2, 4)]

    try:
        definition = kpis.get("test_decorated")
        assert definition.compute is compute and not definition.higher_is_better
        assert definition.app_label == "tests"
        assert definition.display(0.5) == 0.5
        assert kpis.all_kpis()[-1].key == "test_decorated"  # ordered by ``order``
    finally:
        kpis.unregister("test_decorated")


def test_period_values_roll_up_numerators_over_denominators():
    from ccops.kpis.selectors import period_values
    from tests.factories import TeamFactory

    a, b = TeamFactory(name="A"), TeamFactory(name="B")
    rows = [
        (a, D, 9, 10),
        (a, D + timedelta(days=1), 1, 10),
        (b, D, 0, 0),
        (a, D + timedelta(days=9), 0, 5),
    ]
    for team, day, num, den in rows:
        for kpi in ("sla_attainment", "not_registered"):
            KpiSnapshot.objects.create(
                day=day,
                kpi=kpi,
                scope_kind="team",
                scope_id=team.pk,
                team=team,
                numerator=num,
                denominator=den,
                value=num / den if den else None,
            )
    span = {"scope_kind": "team", "start": D, "end": D + timedelta(days=6)}
    # (9 + 1) / (10 + 10), not the mean of 90 % and 10 %; sla_attainment shows in %; B has
    # no denominator and is left out; the snapshot after the period does not count.
    assert period_values(kpi="sla_attainment", **span) == {a.pk: pytest.approx(50.0)}
    assert period_values(kpi="not_registered", **span) == {a.pk: pytest.approx(0.5)}


def test_without_an_event_log_the_process_map_is_empty(monkeypatch, kpi_day):
    from ccops.kpis import process_map, registry

    monkeypatch.setattr(registry._REGISTRY, "process_log", None)
    assert process_map.step_rows(*kpis.day_bounds(D)) == []
    assert process_map.handoff_rows(*kpis.day_bounds(D)) == []
    assert process_map.snapshot_day(D) == 0


def test_nightly_task_recomputes_yesterday_and_records_the_run(kpi_day):
    summary = tasks.nightly_kpis.delay(today=(D + timedelta(days=1)).isoformat()).get()
    assert summary[0]["day"] == D.isoformat() and summary[0]["backlog_rows"] == 2
    run = JobRun.objects.get(name="nightly_kpis", key=D.isoformat())
    assert run.status == JobRun.Status.OK and run.finished_at is not None
    row = KpiSnapshot.objects.get(day=D, kpi="aht", scope_kind="overall")
    assert (row.numerator, row.denominator) == (5460, 6)


def test_task_options_retry_on_database_and_broker_errors():
    from kombu.exceptions import OperationalError

    for task in (tasks.nightly_kpis, tasks.recompute_kpis_day):
        assert set(task.autoretry_for) == {DatabaseError, InterfaceError, OperationalError}
        assert task.retry_backoff and task.acks_late


def test_failed_run_is_recorded(monkeypatch):
    from ccops.kpis import compute

    def boom(today=None):
        raise RuntimeError("no database today")

    monkeypatch.setattr(compute, "recompute_nightly", boom)
    with pytest.raises(RuntimeError):
        tasks.nightly_kpis.delay(today="2026-03-11").get()
    run = JobRun.objects.get(name="nightly_kpis")
    assert run.status == JobRun.Status.FAILED and "no database today" in run.detail


def test_recompute_day_task(kpi_day):
    result = tasks.recompute_kpis_day.delay(D.isoformat(), ["aht"]).get()
    assert result["kpis"] == ["aht"]
    assert set(KpiSnapshot.objects.values_list("kpi", flat=True)) == {"aht"}


def test_nightly_beat_entry_is_created_editable_in_admin():
    from django_celery_beat.models import PeriodicTask

    from ccops.schedules import sync_schedules

    sync_schedules()
    entry = PeriodicTask.objects.select_related("crontab").get(name="nightly KPIs")
    assert entry.task == "ccops.tasks.nightly_kpis"
    assert (entry.crontab.minute, entry.crontab.hour) == ("15", "2")


def test_admin_pages(client, admin_user, kpi_day):
    from ccops.kpis import compute

    compute.recompute_day(D)
    SharedGoal.objects.create(name="SLA", kpi="sla_attainment", target=90, effective_from=D)
    client.force_login(admin_user)
    for model in ("kpisnapshot", "backlogsnapshot", "sharedgoal", "goaladjustment", "pilot"):
        response = client.get(reverse(f"admin:ccops_{model}_changelist"), {"q": "a"})
        assert response.status_code == 200, model
    assert client.get(reverse("admin:ccops_sharedgoal_add")).status_code == 200
    assert client.get(reverse("admin:ccops_kpisnapshot_add")).status_code == 403
    body = client.get(reverse("admin:ccops_kpisnapshot_changelist")).content.decode()
    assert "sla_attainment" in body
