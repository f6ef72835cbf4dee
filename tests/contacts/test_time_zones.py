"""The day of a queue's statistics is the day in its calendar's time zone (one rule:
``workitems.calendars.queue_time_zones``), for the API, intraday, the wallboard, the
dashboard's tiles and the nightly KPIs.

The project's TIME_ZONE is UTC here; the queue "Calls" has a calendar in America/New_York
(UTC-5 in winter, UTC-4 in summer), "Chats" has none (UTC).
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from ccops.kpi_models import KpiSnapshot, ScopeKind
from ccops.kpis import compute
from ccops.kpis.registry import day_cache_scope
from contacts import selectors
from contacts.kpis import _kpi
from contacts.models import Contact
from tests.factories import TeamFactory, make_front_type
from workitems.calendar_models import Calendar
from workitems.calendars import calendar_for, day_bounds_for, queue_time_zones, time_zone_for

pytestmark = pytest.mark.django_db

NY = "America/New_York"
URL = "/api/v1/queue-stats/"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def utc_project(settings):
    settings.TIME_ZONE = "UTC"
    settings.SHORT_ABANDON_SECONDS = 5


@pytest.fixture
def new_york(utc_project, calls):
    calls.calendar = Calendar.objects.create(name="New York", time_zone=NY)
    calls.save(update_fields=["calendar"])
    return calls


@pytest.fixture
def chats(calls, front_team):
    return make_front_type(front_team, calls.required_skill, name="Chats", channel="chat")


_seq = iter(range(1, 10**6))


def contact(source, queue, offered_at, *, wait=None, answered=True, abandoned=False):
    """A contact as its events would leave it (offered, then answered or abandoned)."""
    src, _ = source
    values = {"source": src, "contact_id": f"c{next(_seq)}", "queue": queue}
    values["offered_at"] = offered_at
    if wait is not None and answered:
        values["answered_at"] = offered_at + timedelta(seconds=wait)
        values["wait_seconds"] = wait
    if wait is not None and abandoned:
        values["abandoned_at"] = offered_at + timedelta(seconds=wait)
        values["wait_seconds"] = wait
    return Contact.objects.create(**values)


# --- The rule: which time zone ---------------------------------------------------------


def test_the_zone_is_the_work_types_then_the_teams_then_the_sites_then_the_projects(
    utc_project, calls, chats, front_team, other_team
):
    emails = make_front_type(other_team, calls.required_skill, name="Mails", channel="chat")
    orphan = make_front_type(None, calls.required_skill, name="Orphan", channel="chat")
    front_team.site = "Leeds"
    front_team.save(update_fields=["site"])
    Calendar.objects.create(name="Leeds", time_zone="Europe/London", site="Leeds")
    team_cal = Calendar.objects.create(name="Team B", time_zone="Asia/Tokyo")
    team_cal.teams.add(other_team)
    calls.calendar = Calendar.objects.create(name="NY", time_zone=NY)
    calls.save(update_fields=["calendar"])

    zones = {pk: tz.key for pk, tz in queue_time_zones().items()}
    assert zones[calls.pk] == NY  # its own calendar beats its team's site's
    assert zones[chats.pk] == "Europe/London"  # the owning team's site's calendar
    assert zones[emails.pk] == "Asia/Tokyo"  # the owning team's own calendar
    assert zones[orphan.pk] == "UTC"  # neither: the project's TIME_ZONE
    # The same calendar as the SLA clocks' rule for the owning team.
    for wt in (calls, chats, emails):
        assert calendar_for(work_type=wt, team=wt.owning_team).time_zone == zones[wt.pk]
    assert time_zone_for(chats).key == "Europe/London"


def test_a_team_calendar_beats_the_site_calendar(utc_project, calls, front_team):
    front_team.site = "Leeds"
    front_team.save(update_fields=["site"])
    Calendar.objects.create(name="Leeds", time_zone="Europe/London", site="Leeds")
    Calendar.objects.create(name="Team A", time_zone="Europe/Paris").teams.add(front_team)
    assert time_zone_for(calls).key == "Europe/Paris"


def test_one_query_resolves_every_queue(utc_project, calls, chats, django_assert_num_queries):
    for i in range(5):
        make_front_type(calls.owning_team, calls.required_skill, name=f"Q{i}", channel="chat")
    with django_assert_num_queries(1):
        assert len(queue_time_zones()) == 7


def test_daylight_saving_days_last_23_and_25_hours(new_york):
    def hours(day):
        start, end = (b.astimezone(UTC) for b in day_bounds_for(new_york, day))
        return start, end - start  # in UTC: wall-clock differences ignore the change

    assert hours(date(2026, 3, 8)) == (utc(2026, 3, 8, 5), timedelta(hours=23))  # forward
    assert hours(date(2026, 11, 1)) == (utc(2026, 11, 1, 4), timedelta(hours=25))  # back
    assert hours(date(2026, 12, 7)) == (utc(2026, 12, 7, 5), timedelta(hours=24))


# --- The API ---------------------------------------------------------------------------


def test_events_at_3_utc_count_on_the_previous_local_day(
    new_york, chats, source, api_as, supervisor
):
    contact(source, new_york, utc(2026, 12, 8, 3, 0), wait=10)  # 22:00 on the 7th in NY
    contact(source, new_york, utc(2026, 12, 7, 12, 0), wait=30)  # 07:00 on the 7th
    contact(source, new_york, utc(2026, 12, 7, 4, 59), wait=1)  # 23:59 on the 6th
    contact(source, chats, utc(2026, 12, 8, 3, 0), wait=10)  # UTC queue: the 8th
    client = api_as(supervisor)
    body = client.get(URL, {"date": "2026-12-07", "queue": new_york.pk}).json()
    assert body["time_zone"] == NY
    assert (body["offered"], body["answered_within_target"]) == (2, 1)
    assert body["service_level"] == 0.5 and body["asa_seconds"] == 20.0
    assert client.get(URL, {"date": "2026-12-08", "queue": new_york.pk}).json()["offered"] == 0
    assert client.get(URL, {"date": "2026-12-06", "queue": new_york.pk}).json()["offered"] == 1
    other = client.get(URL, {"date": "2026-12-08", "queue": chats.pk}).json()
    assert (other["offered"], other["time_zone"]) == (1, "UTC")


def test_the_day_the_clocks_go_back_counts_25_hours(new_york, source, api_as, supervisor):
    contact(source, new_york, utc(2026, 11, 1, 3, 59), wait=5)  # 23:59 EDT on Oct 31
    contact(source, new_york, utc(2026, 11, 1, 4, 0), wait=5)  # 00:00 EDT: first instant
    contact(source, new_york, utc(2026, 11, 1, 5, 30), wait=5)  # 01:30 EDT
    contact(source, new_york, utc(2026, 11, 1, 6, 30), wait=5)  # 01:30 EST (the repeat)
    contact(source, new_york, utc(2026, 11, 2, 4, 59), wait=5)  # 23:59 EST: last minute
    contact(source, new_york, utc(2026, 11, 2, 5, 0), wait=5)  # 00:00 EST on Nov 2
    client = api_as(supervisor)
    assert client.get(URL, {"date": "2026-11-01", "queue": new_york.pk}).json()["offered"] == 4
    assert client.get(URL, {"date": "2026-10-31", "queue": new_york.pk}).json()["offered"] == 1
    assert client.get(URL, {"date": "2026-11-02", "queue": new_york.pk}).json()["offered"] == 1


def test_the_day_the_clocks_go_forward_counts_23_hours(new_york, source, api_as, supervisor):
    contact(source, new_york, utc(2026, 3, 8, 4, 59), wait=5)  # 23:59 EST on Mar 7
    contact(source, new_york, utc(2026, 3, 8, 5, 0), wait=5)  # 00:00 EST on Mar 8
    contact(source, new_york, utc(2026, 3, 9, 3, 59), wait=5)  # 23:59 EDT on Mar 8
    contact(source, new_york, utc(2026, 3, 9, 4, 0), wait=5)  # 00:00 EDT on Mar 9
    client = api_as(supervisor)
    assert client.get(URL, {"date": "2026-03-08", "queue": new_york.pk}).json()["offered"] == 2
    assert client.get(URL, {"date": "2026-03-09", "queue": new_york.pk}).json()["offered"] == 1


# --- Today: intraday, wallboard, tiles -------------------------------------------------


def test_today_starts_at_each_queues_own_midnight(
    new_york, chats, source, django_assert_num_queries
):
    now = utc(2026, 12, 8, 3, 30)  # 22:30 on the 7th in New York, 03:30 on the 8th in UTC
    contact(source, new_york, utc(2026, 12, 7, 10), wait=10)  # NY today; UTC yesterday
    contact(source, new_york, utc(2026, 12, 7, 4), wait=10)  # 23:00 on the 6th in NY
    contact(source, chats, utc(2026, 12, 7, 10), wait=10)  # yesterday for a UTC queue
    contact(source, chats, utc(2026, 12, 8, 1), wait=30)  # today in UTC
    contact(source, chats, utc(2026, 12, 8, 4), wait=1)  # after now
    with django_assert_num_queries(2):  # the zones, one grouped aggregate
        stats = selectors.queue_stats_today(queue_ids=[new_york.pk, chats.pk], now=now)
    assert stats[new_york.pk]["offered"] == 1 and stats[new_york.pk]["service_level"] == 1.0
    assert stats[chats.pk]["offered"] == 1 and stats[chats.pk]["service_level"] == 0.0
    with django_assert_num_queries(2):
        level = selectors.today_service_level(now=now)
    assert (level.answered_in_target, level.offered) == (1, 2)


def test_the_wallboard_shows_the_queues_local_today(new_york, source):
    from ccops.dashboards.live import wallboard

    contact(source, new_york, utc(2026, 12, 7, 23), wait=25)  # 18:00 in NY
    board = wallboard(office="front", now=utc(2026, 12, 8, 2))  # 21:00 in NY
    row = next(r for r in board.queues if r["id"] == new_york.pk)
    assert (row["offered"], row["service_level"], row["asa_seconds"]) == (1, 0.0, 25.0)


# --- The nightly KPIs per queue --------------------------------------------------------


def test_the_nightly_kpis_count_a_queues_local_day(new_york, chats, source, front_team):
    contact(source, new_york, utc(2026, 12, 8, 3), wait=10)  # NY: the 7th
    contact(source, new_york, utc(2026, 12, 7, 15), wait=40)  # NY: the 7th
    contact(source, new_york, utc(2026, 12, 7, 16), wait=2, abandoned=True, answered=False)
    contact(source, chats, utc(2026, 12, 8, 3), wait=10)  # UTC: the 8th
    keys = ["service_level", "asa", "abandonment_rate"]
    compute.recompute_day(date(2026, 12, 7), kpi_keys=keys, backlog=False)
    rows = {
        (r.kpi, r.scope_id): (r.numerator, r.denominator, r.team_id, r.office)
        for r in KpiSnapshot.objects.filter(day=date(2026, 12, 7), scope_kind=ScopeKind.QUEUE)
    }
    assert rows == {
        ("service_level", new_york.pk): (1.0, 2.0, front_team.pk, "front"),  # 3 - 1 short
        ("asa", new_york.pk): (50.0, 2.0, front_team.pk, "front"),
        ("abandonment_rate", new_york.pk): (1.0, 3.0, front_team.pk, "front"),
    }
    # The queue row holds the API's figures of the same day.
    stats = selectors.queue_stats(queue_id=new_york.pk, day=date(2026, 12, 7))
    assert stats["service_level"] == 1.0 / 2.0 and stats["asa_seconds"] == 25.0


def test_the_per_queue_kpis_are_one_grouped_query_whatever_the_queues(
    utc_project, calls, source, django_assert_num_queries
):
    zones = ["America/New_York", "Asia/Tokyo", "Europe/Paris", "UTC"]
    queues = [calls]
    for i in range(11):
        team = TeamFactory(name=f"Team {i}")
        cal = Calendar.objects.create(name=f"Cal {i}", time_zone=zones[i % 4])
        queues.append(
            make_front_type(team, calls.required_skill, name=f"Q{i}", channel="chat", calendar=cal)
        )
    for q in queues:
        contact(source, q, utc(2026, 12, 7, 12), wait=10)
    with day_cache_scope(), django_assert_num_queries(2):  # zones, one grouped aggregate
        rows = {key: _kpi(key)(date(2026, 12, 7)) for key in ("service_level", "asa")}
    queue_rows = [r for r in rows["service_level"] if r[0] == ScopeKind.QUEUE]
    assert len(queue_rows) == 12 and all(r[3:5] == (1.0, 1.0) for r in queue_rows)
    assert {r[5] for r in queue_rows} == {q.owning_team_id for q in queues}
