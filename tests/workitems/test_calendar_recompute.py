"""A calendar edited (hours, holidays, closures, time zone, assignment): the open items
counting in it get their SLA times again from the one rule, in chunks, on commit; closed
items keep theirs; a wait on the customer still does not count."""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from workitems import calendar_services, services
from workitems.calendars import sla_clock_for
from workitems.models import Calendar, CalendarClosure, CalendarHours, WorkItem

LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)


def at(*args, tz=LONDON):
    return datetime(*args, tzinfo=tz)


def office_hours(name="London office", closes=time(17), **extra) -> Calendar:
    calendar = Calendar.objects.create(
        name=name, time_zone="Europe/London", holiday_country="GB", holiday_subdivision="ENG"
    )
    for field, value in extra.items():
        setattr(calendar, field, value)
    calendar.save()
    CalendarHours.objects.bulk_create(
        CalendarHours(calendar=calendar, weekday=w, opens=time(9), closes=closes) for w in range(5)
    )
    return calendar


@pytest.fixture
def clock(monkeypatch):
    def set_now(value):
        monkeypatch.setattr(timezone, "now", lambda: value)

    return set_now


@pytest.fixture
def casework(back_type):
    back_type.sla = 8 * H
    back_type.first_response_sla = 2 * H
    back_type.calendar = office_hours()
    back_type.save()
    return back_type


def calendar_form(calendar: Calendar, **changes) -> dict:
    """The admin change form of ``calendar`` as stored, with ``changes``."""
    data = {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
        "site": calendar.site,
        "closures-TOTAL_FORMS": "0",
        "closures-INITIAL_FORMS": "0",
    }
    hours = list(calendar.hours.order_by("weekday"))
    data["hours-TOTAL_FORMS"] = data["hours-INITIAL_FORMS"] = str(len(hours))
    for n, row in enumerate(hours):
        data |= {
            f"hours-{n}-id": str(row.pk),
            f"hours-{n}-calendar": str(calendar.pk),
            f"hours-{n}-weekday": str(row.weekday),
            f"hours-{n}-opens": row.opens.strftime("%H:%M"),
            f"hours-{n}-closes": row.closes.strftime("%H:%M") if row.closes else "",
        }
    return data | changes


def mornings_only(calendar) -> dict:
    """Every weekday 09:00-13:00 instead of 09:00-17:00."""
    data = calendar_form(calendar)
    for n in range(calendar.hours.count()):
        data[f"hours-{n}-closes"] = "13:00"
    return data


def test_shorter_opening_hours_in_the_admin_move_open_items_not_closed_ones(
    client, admin_user, casework, back_agent, skilled, claims_skill, clock,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    skilled(back_agent, claims_skill)
    clock(at(2026, 12, 4, 16))  # Friday 16:00
    services.workitem_create(work_type=casework, title="Done claim")
    done = services.workitem_claim_next(agent=back_agent)
    done = services.workitem_complete(item=done, by=back_agent)
    open_item = services.workitem_create(work_type=casework, title="Open claim")
    assert open_item.due_at == at(2026, 12, 7, 16)
    done_times = WorkItem.objects.values_list("due_at", "at_risk_at", "updated_at").get(pk=done.pk)

    client.force_login(admin_user)
    url = f"/admin/workitems/calendar/{casework.calendar.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, mornings_only(casework.calendar))
    assert response.status_code == 302
    assert len(callbacks) == 1  # one task queued, on commit

    open_item.refresh_from_db()
    # 8 open hours from Friday 16:00 (closed since 13:00): Monday 9-13, Tuesday 9-13.
    assert open_item.due_at == at(2026, 12, 8, 13)
    assert open_item.at_risk_at == at(2026, 12, 8, 11)  # after 6 of the 8 hours
    assert open_item.first_response_due_at == at(2026, 12, 7, 11)
    # The same answer the one rule gives a new item of that arrival.
    fresh = sla_clock_for(work_type=casework, start=open_item.created_at, team=open_item.team)
    assert open_item.due_at == fresh.due_at
    assert (
        WorkItem.objects.values_list("due_at", "at_risk_at", "updated_at").get(pk=done.pk)
        == done_times
    )


def test_a_past_wait_still_does_not_count_and_a_current_one_stays_paused(
    casework, back_agent, skilled, claims_skill, clock
):
    skilled(back_agent, claims_skill)
    clock(at(2026, 12, 7, 9))  # Monday 09:00, due 17:00
    item = services.workitem_create(work_type=casework, title="Claim")
    waiting = services.workitem_create(work_type=casework, title="Waiting claim")
    for one in (item, waiting):
        clock(at(2026, 12, 7, 9, 30))
        one = services.workitem_claim_next(agent=back_agent)
        services.workitem_start(item=one, by=back_agent)
    clock(at(2026, 12, 7, 10))
    item = services.workitem_pend(item=WorkItem.objects.get(pk=item.pk), by=back_agent, note="?")
    clock(at(2026, 12, 7, 12))  # back after 2 open hours
    item = services.workitem_start(item=item, by=back_agent)
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 8, 11)
    clock(at(2026, 12, 7, 12, 30))
    waiting = services.workitem_pend(item=waiting, by=back_agent, note="Receipt?")

    # Opening now 08:00-17:00: from Monday 09:00 with 8 h plus the 2 h wait (10:00-12:00).
    CalendarHours.objects.filter(calendar=casework.calendar).update(opens=time(8))
    result = calendar_services.due_times_recompute(calendar_ids=[casework.calendar_id])
    assert (result.examined, result.changed, result.skipped) == (2, 1, 0)
    item.refresh_from_db()
    waiting.refresh_from_db()
    assert item.due_at == at(2026, 12, 8, 10)  # Mon 9-17 is 8 h, +2 h: Tuesday 08:00 + 2 h
    assert waiting.due_at == at(2026, 12, 7, 17)  # unchanged: its wait counts when it is back
    assert waiting.sla_paused_at == at(2026, 12, 7, 12, 30)
    assert waiting.status == "pending"
    # Coming back on Tuesday 08:30: moved on by the 4.5 + 0.5 open hours it waited.
    clock(at(2026, 12, 8, 8, 30))
    waiting = services.workitem_start(item=waiting, by=back_agent)
    waiting.refresh_from_db()
    assert waiting.due_at == at(2026, 12, 8, 13)


def test_holidays_closures_and_the_time_zone_are_followed(casework, clock):
    clock(at(2026, 12, 4, 16))
    item = services.workitem_create(work_type=casework, title="Claim")
    CalendarClosure.objects.create(
        calendar=casework.calendar,
        name="Staff day",
        first_day=date(2026, 12, 7),
        last_day=date(2026, 12, 7),
    )
    calendar_services.due_times_recompute(calendar_ids=[casework.calendar_id])
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 8, 16)
    Calendar.objects.filter(pk=casework.calendar_id).update(time_zone="America/New_York")
    calendar_services.due_times_recompute(calendar_ids=[casework.calendar_id])
    item.refresh_from_db()
    # Friday 16:00 London is 11:00 New York: 6 h on Friday, Monday closed (staff day),
    # 2 h on Tuesday (GB holidays still apply, none then).
    assert item.due_at == at(2026, 12, 8, 11, tz=ZoneInfo("America/New_York"))


def test_a_work_type_given_a_calendar_in_the_admin_moves_its_open_items(
    client, admin_user, back_type, clock, django_capture_on_commit_callbacks
):
    back_type.sla = 8 * H
    back_type.save()
    clock(at(2026, 12, 4, 16))
    item = services.workitem_create(work_type=back_type, title="Claim")
    assert item.due_at == at(2026, 12, 5, 0)  # around the clock
    calendar = office_hours()
    from django.forms.models import model_to_dict

    data = {k: v for k, v in model_to_dict(back_type).items() if v is not None}
    data["calendar"] = calendar.pk
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/workitems/worktype/{back_type.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 7, 16)


def test_a_team_taken_off_a_calendar_goes_back_to_its_site_calendar(
    client, admin_user, back_type, back_team, clock, django_capture_on_commit_callbacks
):
    back_type.sla = 8 * H
    back_type.save()
    back_team.site = "Leeds"
    back_team.save()
    office_hours("Leeds site", site="Leeds")  # 9-17
    own = office_hours("Back team mornings", closes=time(13))
    own.teams.add(back_team)
    clock(at(2026, 12, 4, 16))
    item = services.workitem_create(work_type=back_type, title="Claim", team=back_team)
    assert item.due_at == at(2026, 12, 8, 13)  # the team's own: mornings
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/workitems/calendar/{own.pk}/change/", calendar_form(own))
    assert response.status_code == 302
    assert not own.teams.exists()
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 7, 16)  # the site's: 9-17


def test_chunks_are_logged_and_a_calendar_without_hours_is_skipped(
    casework, clock, monkeypatch, caplog
):
    clock(at(2026, 12, 4, 16))
    for n in range(5):
        services.workitem_create(work_type=casework, title=f"Claim {n}")
    CalendarHours.objects.filter(calendar=casework.calendar, weekday=0).update(closes=time(13))
    monkeypatch.setattr(calendar_services, "CHUNK", 2)
    with caplog.at_level(logging.INFO, logger="workitems.calendar_services"):
        result = calendar_services.due_times_recompute(calendar_ids=[casework.calendar_id])
    assert (result.examined, result.changed, result.chunks) == (5, 5, 3)
    lines = [r.getMessage() for r in caplog.records]
    assert "SLA recompute: chunk 3, 1 open items read, 1 due times changed" in lines
    assert set(WorkItem.objects.values_list("due_at", flat=True)) == {at(2026, 12, 8, 12)}
    # Re-run: nothing to write.
    assert calendar_services.due_times_recompute(calendar_ids=[casework.calendar_id]).changed == 0

    CalendarHours.objects.filter(calendar=casework.calendar).delete()
    result = calendar_services.due_times_recompute(calendar_ids=[casework.calendar_id])
    assert (result.skipped, result.changed) == (5, 0)
    assert "no opening hours" in result.errors[0]
    assert set(WorkItem.objects.values_list("due_at", flat=True)) == {at(2026, 12, 8, 12)}


def test_the_work_type_api_queues_the_recompute_when_the_calendar_changes(
    api_as, admin_user, back_type, clock, django_capture_on_commit_callbacks
):
    back_type.sla = 8 * H
    back_type.save()
    clock(at(2026, 12, 4, 16))
    item = services.workitem_create(work_type=back_type, title="Claim")
    calendar = office_hours()
    api = api_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/api/v1/worktypes/{back_type.pk}/", {"calendar": calendar.pk}, format="json"
        )
    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 7, 16)


def test_a_longer_sla_through_the_api_moves_open_items_not_closed_ones(
    api_as, admin_user, casework, clock, django_capture_on_commit_callbacks
):
    clock(at(2026, 12, 4, 16))  # Friday 16:00, open 9-17 on weekdays
    item = services.workitem_create(work_type=casework, title="Claim")
    done = services.workitem_create(work_type=casework, title="Done claim")
    WorkItem.objects.filter(pk=done.pk).update(status="done")
    assert item.due_at == at(2026, 12, 7, 16)  # 8 open hours: 1 on Friday, 7 on Monday
    api = api_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.patch(
            f"/api/v1/worktypes/{casework.pk}/",
            {"sla": "16:00:00", "first_response_sla": "04:00:00"},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert len(callbacks) == 1
    item.refresh_from_db()
    done.refresh_from_db()
    assert item.due_at == at(2026, 12, 8, 16)  # 16 open hours: Friday 1, Monday 8, Tuesday 7
    assert item.first_response_due_at == at(2026, 12, 7, 12)  # 4 open hours
    assert done.due_at == at(2026, 12, 7, 16)  # closed: kept as it closed
    # A change that no SLA time comes from queues nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api.patch(f"/api/v1/worktypes/{casework.pk}/", {"priority": 5}, format="json")
    assert callbacks == []


def test_a_shorter_sla_in_the_admin_moves_open_items(
    client, admin_user, casework, clock, django_capture_on_commit_callbacks
):
    from django.forms.models import model_to_dict

    clock(at(2026, 12, 4, 16))
    item = services.workitem_create(work_type=casework, title="Claim")
    data = {k: v for k, v in model_to_dict(casework).items() if v is not None}
    data |= {"sla": "04:00:00", "first_response_sla": "01:00:00"}
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/workitems/worktype/{casework.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 7, 12)  # Friday 1 open hour, Monday 3
