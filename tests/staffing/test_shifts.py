"""Shift services: validation, overlaps, rights, CSV import/export, concurrency."""

import csv
import io
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from openpyxl import load_workbook

from ccops.choices import Role
from staffing import csv_io, services
from staffing.errors import InvalidInput, NotAllowed, Overlap
from staffing.models import Shift
from tests.factories import make_user
from tests.services import require_postgres

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def add(agent, by, h1, h2, activity="front_office", day=MONDAY, m1=0, m2=0):
    return services.shift_create(
        agent=agent, start=at(day, h1, m1), end=at(day, h2, m2), activity=activity, by=by
    )


def test_create_and_adjacent_blocks(planner, agent):
    add(agent, planner, 9, 12)
    add(agent, planner, 12, 12, "break", m2=30)
    add(agent, planner, 12, 17, m1=30)
    assert list(Shift.objects.filter(agent=agent).values_list("activity", flat=True)) == [
        "front_office",
        "break",
        "front_office",
    ]


def test_overlap_is_refused_naming_start(planner, agent):
    first = add(agent, planner, 9, 12)
    with pytest.raises(Overlap) as exc:
        add(agent, planner, 11, 13, "back_office")
    assert "start" in exc.value.errors and str(first) in exc.value.message
    assert Shift.objects.count() == 1


def test_other_agents_may_overlap(planner, agent, other_agent):
    add(agent, planner, 9, 12)
    add(other_agent, planner, 9, 12)
    assert Shift.objects.count() == 2


@pytest.mark.parametrize(
    ("h1", "h2", "field"),
    [(12, 9, "end"), (9, 9, "end")],
)
def test_end_must_follow_start(planner, agent, h1, h2, field):
    with pytest.raises(InvalidInput) as exc:
        add(agent, planner, h1, h2)
    assert field in exc.value.errors


def test_block_longer_than_a_day_bound_is_refused(planner, agent):
    with pytest.raises(InvalidInput) as exc:
        services.shift_create(
            agent=agent,
            start=at(MONDAY, 6),
            end=at(MONDAY, 23),
            activity="front_office",
            by=planner,
        )
    assert "16 hours" in exc.value.errors["end"][0]


def test_unknown_activity(planner, agent):
    with pytest.raises(InvalidInput) as exc:
        add(agent, planner, 9, 10, "napping")
    assert "activity" in exc.value.errors


def test_supervisor_edits_own_team_only(supervisor, agent, other_agent):
    add(agent, supervisor, 9, 12)
    with pytest.raises(NotAllowed):
        add(other_agent, supervisor, 9, 12)
    assert Shift.objects.filter(agent=other_agent).count() == 0


@pytest.mark.parametrize("persona", ["agent", "qa", "hr", "norole"])
def test_other_roles_cannot_write(request, persona, agent):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        add(agent, user, 9, 12)


def test_update_ignores_itself_but_not_others(planner, agent):
    a = add(agent, planner, 9, 12)
    add(agent, planner, 13, 17)
    services.shift_update(shift=a, by=planner, start=at(MONDAY, 8), end=at(MONDAY, 12, 30))
    a.refresh_from_db()
    assert (a.start, a.end) == (at(MONDAY, 8), at(MONDAY, 12, 30))
    with pytest.raises(Overlap):
        services.shift_update(shift=a, by=planner, end=at(MONDAY, 14))
    a.refresh_from_db()
    assert a.end == at(MONDAY, 12, 30)


def test_delete(planner, agent):
    a = add(agent, planner, 9, 12)
    services.shift_delete(shift=a, by=planner)
    assert not Shift.objects.exists()


# --- CSV --------------------------------------------------------------------------------


def csv_bytes(*lines):
    return ("agent,date,start,end,activity,note\n" + "\n".join(lines) + "\n").encode()


def test_import_creates_all_rows(planner, agent, back_agent):
    rows = csv_io.read_shifts(
        csv_bytes(
            "agent,2026-03-02,09:00,12:00,front_office,",
            "agent,2026-03-02,12:00,12:30,break,",
            "backagent,2026-03-02,22:00,06:00,back_office,night",
        )
    )
    assert services.shifts_import(rows=rows, by=planner) == {"created": 3, "deleted": 0}
    night = Shift.objects.get(agent=back_agent)
    assert night.end - night.start == timedelta(hours=8) and night.note == "night"


def test_import_is_all_or_nothing_and_names_lines(planner, agent):
    add(agent, planner, 9, 12)
    with pytest.raises(InvalidInput) as exc:
        csv_io.read_shifts(
            csv_bytes(
                "agent,2026-03-02,13:00,14:00,front_office,",
                "ghost,2026-03-02,13:00,14:00,front_office,",
                "agent,2026-03-02,1pm,14:00,front_office,",
                "agent,2026-03-02,13:00,14:00,lunch,",
            )
        )
    assert set(exc.value.errors) == {"line 3", "line 4", "line 5"}
    rows = csv_io.read_shifts(
        csv_bytes(
            "agent,2026-03-02,13:00,14:00,front_office,",
            "agent,2026-03-02,13:30,15:00,back_office,",
            "agent,2026-03-02,11:00,12:30,training,",
        )
    )
    with pytest.raises(InvalidInput) as exc:
        services.shifts_import(rows=rows, by=planner)
    assert "line 3" in exc.value.errors  # overlaps line 2 of the file
    assert Shift.objects.count() == 1  # nothing imported


def test_import_reports_overlap_with_database(planner, agent):
    add(agent, planner, 9, 12)
    rows = csv_io.read_shifts(csv_bytes("agent,2026-03-02,11:00,13:00,front_office,"))
    with pytest.raises(InvalidInput) as exc:
        services.shifts_import(rows=rows, by=planner)
    assert "Overlaps" in exc.value.errors["line 2"][0]
    assert Shift.objects.count() == 1


def test_import_replace_swaps_the_days_in_the_file(planner, agent):
    add(agent, planner, 9, 12)
    add(agent, planner, 9, 12, day=MONDAY + timedelta(days=1))
    rows = csv_io.read_shifts(csv_bytes("agent,2026-03-02,10:00,18:00,back_office,"))
    result = services.shifts_import(rows=rows, by=planner, replace=True)
    assert result == {"created": 1, "deleted": 1}
    assert Shift.objects.filter(agent=agent).count() == 2  # Tuesday kept


def test_import_checks_supervisor_rights(supervisor, agent, other_agent):
    rows = csv_io.read_shifts(
        csv_bytes(
            "agent,2026-03-02,09:00,12:00,front_office,",
            "otheragent,2026-03-02,09:00,12:00,front_office,",
        )
    )
    with pytest.raises(InvalidInput) as exc:
        services.shifts_import(rows=rows, by=supervisor)
    assert list(exc.value.errors) == ["line 3"]
    assert not Shift.objects.exists()


def test_missing_column_and_empty_file(planner):
    with pytest.raises(InvalidInput) as exc:
        csv_io.read_shifts(b"agent,date,start\nagent,2026-03-02,09:00\n")
    assert "activity" in exc.value.message
    with pytest.raises(InvalidInput):
        services.shifts_import(rows=[], by=planner)


def test_export_round_trips(planner, agent):
    add(agent, planner, 9, 12)
    services.shift_create(  # ends next morning
        agent=agent,
        start=at(MONDAY, 22),
        end=at(MONDAY + timedelta(days=1), 6),
        activity="back_office",
        by=planner,
    )
    out = io.StringIO()
    csv_io.write_shifts(Shift.objects.select_related("agent").order_by("start"), out)
    text = out.getvalue()
    assert '"agent","2026-03-02","22:00","06:00","back_office",""' in text
    Shift.objects.all().delete()
    rows = csv_io.read_shifts(text.encode())
    assert services.shifts_import(rows=rows, by=planner)["created"] == 2


def test_schedule_export_writes_a_formula_note_as_text(client, planner, agent):
    services.shift_create(
        agent=agent,
        start=at(MONDAY, 9),
        end=at(MONDAY, 12),
        activity="front_office",
        note='=HYPERLINK("http://evil","Open")',
        by=planner,
    )
    client.force_login(planner)
    response = client.get("/staffing/schedule/export.csv", {"week": MONDAY.isoformat()})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [
        list(csv_io.HEADER),
        [
            "agent",
            "2026-03-02",
            "09:00",
            "12:00",
            "front_office",
            '\'=HYPERLINK("http://evil","Open")',
        ],
    ]


# --- Concurrency (PostgreSQL) -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_planners_cannot_create_overlapping_shifts(monkeypatch):
    """Both threads pass the overlap check unless the agent's row lock serialises them: the
    check is slowed down so that, without the lock, both would insert."""
    require_postgres()
    planner = make_user(Role.PLANNER, username="p1")
    other = make_user(Role.PLANNER, username="p2")
    agent = make_user(Role.AGENT, username="a1")
    from staffing.services import shifts as shift_services

    real = shift_services._overlap

    def slow_overlap(*args, **kwargs):
        found = real(*args, **kwargs)
        time.sleep(0.4)
        return found

    monkeypatch.setattr(shift_services, "_overlap", slow_overlap)
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(by, hour):
        try:
            barrier.wait()
            add(agent, by, hour, hour + 3)
            outcomes.append("created")
        except Overlap:
            outcomes.append("overlap")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(planner, 9)),
        threading.Thread(target=worker, args=(other, 10)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "overlap"]
    assert Shift.objects.filter(agent=agent).count() == 1


def test_schedule_export_as_a_spreadsheet(client, planner, agent):
    services.shift_create(
        agent=agent,
        start=at(MONDAY, 9),
        end=at(MONDAY, 12),
        activity="front_office",
        note='=HYPERLINK("http://evil","Open")',
        by=planner,
    )
    client.force_login(planner)
    response = client.get(
        "/staffing/schedule/export.csv", {"week": MONDAY.isoformat(), "format": "xlsx"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="shifts-2026-03-02.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        list(csv_io.HEADER),
        [
            "agent",
            "2026-03-02",
            "09:00",
            "12:00",
            "front_office",
            '=HYPERLINK("http://evil","Open")',
        ],
    ]
