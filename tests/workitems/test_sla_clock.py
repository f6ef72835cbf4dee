"""The SLA clock in the services: due, at-risk and first-response times from the work
type's (or team's, or site's) calendar, the clock stopped while pending, and 24x7 for
types without a calendar (as before calendars)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from workitems import services
from workitems.calendars import calendar_for, sla_working_days
from workitems.models import Calendar, CalendarClosure, CalendarHours

LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)


def at(*args):
    return datetime(*args, tzinfo=LONDON)


def office_hours(name="London office", **extra) -> Calendar:
    calendar = Calendar.objects.create(
        name=name,
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
        **extra,
    )
    CalendarHours.objects.bulk_create(
        CalendarHours(calendar=calendar, weekday=w, opens=time(9), closes=time(17))
        for w in range(5)
    )
    return calendar


@pytest.fixture
def clock(monkeypatch):
    """``clock(t)`` sets what ``timezone.now()`` answers."""

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


def test_a_type_without_calendar_keeps_around_the_clock_times(back_type):
    item = services.workitem_create(
        work_type=back_type, title="Claim", created_at=at(2026, 12, 4, 16)
    )
    assert back_type.calendar is None and back_type.at_risk_percent == 25
    assert item.due_at == at(2026, 12, 6, 16)  # 2 days, through the weekend
    assert item.at_risk_at == at(2026, 12, 6, 4)  # the last 12 of 48 hours
    assert item.first_response_due_at is None


def test_due_times_count_open_hours_over_weekend_and_holidays(casework):
    item = services.workitem_create(
        work_type=casework, title="Claim", created_at=at(2026, 12, 4, 16)
    )
    item.refresh_from_db()
    assert item.due_at == at(2026, 12, 7, 16)
    assert item.at_risk_at == at(2026, 12, 7, 14)
    assert item.first_response_due_at == at(2026, 12, 7, 10)
    christmas = services.workitem_create(
        work_type=casework, title="Claim", created_at=at(2026, 12, 24, 16)
    )
    assert christmas.due_at == at(2026, 12, 29, 16)  # 25th, weekend and the 28th closed
    CalendarClosure.objects.create(
        calendar=casework.calendar,
        name="Staff day",
        first_day=datetime(2026, 12, 7).date(),
        last_day=datetime(2026, 12, 7).date(),
    )
    closed_monday = services.workitem_create(
        work_type=casework, title="Claim", created_at=at(2026, 12, 4, 16)
    )
    assert closed_monday.due_at == at(2026, 12, 8, 16)


def test_the_work_types_calendar_wins_then_the_teams_then_the_sites(back_type, back_team):
    back_team.site = "Leeds"
    back_team.save()
    site = office_hours("Leeds site", site="Leeds")
    assert calendar_for(work_type=back_type, team=back_team) == site
    own = office_hours("Back team")
    own.teams.add(back_team)
    assert calendar_for(work_type=back_type, team=back_team) == own
    back_type.calendar = office_hours("Claims type")
    back_type.save()
    assert calendar_for(work_type=back_type, team=back_team) == back_type.calendar
    assert calendar_for(work_type=back_type.__class__(sla=H), team=None) is None


def test_pending_stops_the_clock_and_return_moves_the_due_time(
    casework, back_agent, skilled, claims_skill, clock
):
    skilled(back_agent, claims_skill)
    clock(at(2026, 12, 7, 9))
    item = services.workitem_create(work_type=casework, title="Claim")
    assert (item.due_at, item.at_risk_at) == (at(2026, 12, 7, 17), at(2026, 12, 7, 15))
    clock(at(2026, 12, 7, 9, 30))
    item = services.workitem_claim_next(agent=back_agent)
    clock(at(2026, 12, 7, 10))
    item = services.workitem_start(item=item, by=back_agent)
    assert item.first_response_at is None  # starting work is not an answer
    clock(at(2026, 12, 7, 11))
    item = services.workitem_pend(item=item, by=back_agent, note="Asked for the receipt")
    assert item.sla_paused_at == at(2026, 12, 7, 11)
    assert item.first_response_at == at(2026, 12, 7, 11)  # on time (due 11:00)
    assert item.sla_state(at(2026, 12, 8, 9)) == "paused"  # past the old due time, paused
    # Back on Tuesday 10:00: it waited 6 + 1 open hours, so every time moves on by 7.
    clock(at(2026, 12, 8, 10))
    item = services.workitem_start(item=item, by=back_agent)
    item.refresh_from_db()
    assert item.sla_paused_at is None
    assert item.due_at == at(2026, 12, 8, 16)
    assert item.at_risk_at == at(2026, 12, 8, 14)
    assert item.first_response_at == at(2026, 12, 7, 11)
    assert item.sla_state(at(2026, 12, 8, 13)) == "on_track"
    assert item.sla_state(at(2026, 12, 8, 14, 30)) == "at_risk"
    assert item.sla_state(at(2026, 12, 8, 16, 30)) == "past_due"
    clock(at(2026, 12, 8, 11))
    done = services.workitem_complete(item=item, by=back_agent)
    assert done.sla_state(at(2026, 12, 9)) == ""


def test_a_pending_item_closed_does_not_count_its_wait(
    casework, back_agent, skilled, claims_skill, clock
):
    skilled(back_agent, claims_skill)
    clock(at(2026, 12, 7, 9))
    services.workitem_create(work_type=casework, title="Claim")
    item = services.workitem_claim_next(agent=back_agent)
    item = services.workitem_start(item=item, by=back_agent)
    item = services.workitem_pend(item=item, by=back_agent, note="Waiting")
    clock(at(2026, 12, 9, 9))  # the customer never answered: closed on Wednesday 09:00
    item = services.workitem_complete(item=item, by=back_agent)
    item.refresh_from_db()
    assert item.sla_paused_at is None
    assert item.due_at == at(2026, 12, 9, 17)  # 16 open hours of waiting later
    assert item.completed_at <= item.due_at


def test_only_the_holders_answer_is_the_first_response(
    casework, back_agent, supervisor, skilled, claims_skill, clock
):
    skilled(back_agent, claims_skill)
    clock(at(2026, 12, 7, 9))
    services.workitem_create(work_type=casework, title="Claim")
    item = services.workitem_claim_next(agent=back_agent)
    clock(at(2026, 12, 7, 12))
    item = services.workitem_comment(item=item, by=supervisor, note="Please look at this")
    assert item.first_response_at is None
    item = services.workitem_comment(item=item, by=back_agent, note="Dear customer, ...")
    item.refresh_from_db()
    assert item.first_response_at == at(2026, 12, 7, 12)  # late: due 11:00
    assert item.first_response_at > item.first_response_due_at


def test_plans_read_the_sla_in_working_days_of_the_calendar(casework, back_type):
    assert sla_working_days(casework) == 1  # 8 open hours of 8 a day
    casework.sla = 20 * H
    assert sla_working_days(casework) == 3
    casework.calendar = None
    assert sla_working_days(casework) == 1  # 20 h around the clock: within a day


def test_the_customers_e_mail_brings_a_pending_case_back(
    casework, back_agent, skilled, claims_skill, clock
):
    from email.message import EmailMessage

    from workitems.choices import EventKind, Status
    from workitems.mail_in import case_reference, inbound_email_take
    from workitems.models import Customer, Mailbox

    skilled(back_agent, claims_skill)
    customer = Customer.objects.create(external_ref="C-5", name="Alice", email="alice@example.com")
    clock(at(2026, 12, 7, 9))
    services.workitem_create(work_type=casework, title="Claim", customer=customer)
    item = services.workitem_claim_next(agent=back_agent)
    item = services.workitem_start(item=item, by=back_agent)
    clock(at(2026, 12, 7, 11))
    item = services.workitem_pend(item=item, by=back_agent, note="Asked for the receipt")

    msg = EmailMessage()
    msg["From"] = "alice@example.com"
    msg["Subject"] = f"Re: {case_reference(item)}"
    msg["Message-ID"] = "<receipt@x>"
    msg.set_content("Here it is")
    mailbox = Mailbox.objects.create(
        name="In", host="h", username="u", password="p", work_type=casework
    )
    clock(at(2026, 12, 8, 10))  # Tuesday 10:00: 7 open hours later
    inbound_email_take(mailbox=mailbox, raw=msg.as_bytes())

    item.refresh_from_db()
    assert (item.status, item.assignee, item.sla_paused_at) == (Status.ASSIGNED, back_agent, None)
    assert item.due_at == at(2026, 12, 8, 16)
    event = item.events.get(kind=EventKind.EMAIL_RECEIVED)
    assert (event.from_status, event.to_status, event.note) == (
        Status.PENDING,
        Status.ASSIGNED,
        "Here it is",
    )


def test_migration_gives_open_items_from_before_an_at_risk_time(back_type):
    import importlib

    from django.apps import apps

    from workitems.models import WorkItem

    migration = importlib.import_module("workitems.migrations.0009_backfill_open_items_at_risk")
    item = services.workitem_create(work_type=back_type, title="Old", created_at=at(2026, 12, 1))
    done = services.workitem_create(work_type=back_type, title="Done", created_at=at(2026, 12, 1))
    WorkItem.objects.filter(pk__in=[item.pk, done.pk]).update(at_risk_at=None)
    WorkItem.objects.filter(pk=done.pk).update(status="cancelled")

    migration.backfill(apps, None)

    item.refresh_from_db()
    done.refresh_from_db()
    assert item.at_risk_at == at(2026, 12, 2, 12)  # 2-day SLA: due less 12 hours
    assert done.at_risk_at is None
