"""The nightly queue KPIs per queue, where they are read: the KPI API (scope ``queue``, by
cursor) and the front office's dashboard page (the "Queues" table: yesterday's service
level per queue and the period's).

Queue "Calls" (answer target 20 s) has a calendar in America/New_York; "Chats" none (UTC).
Day 1 = 2026-12-06, day 2 = 2026-12-07 (the period's last day).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from ccops.kpi_models import KpiSnapshot, ScopeKind
from ccops.kpis import compute
from contacts.models import Contact
from tests.factories import make_front_type
from workitems.calendar_models import Calendar

pytestmark = pytest.mark.django_db

DAY1, DAY2 = date(2026, 12, 6), date(2026, 12, 7)
WEEK = {"period": 7, "end": DAY2.isoformat()}
KEYS = ["service_level", "asa", "abandonment_rate"]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def queues(settings, calls, front_team, source):
    settings.TIME_ZONE = "UTC"
    settings.SHORT_ABANDON_SECONDS = 5
    calls.calendar = Calendar.objects.create(name="New York", time_zone="America/New_York")
    calls.save(update_fields=["calendar"])
    chats = make_front_type(front_team, calls.required_skill, name="Chats", channel="chat")
    src, _ = source
    n = iter(range(1000))

    def contact(queue, at, wait, answered=True):
        end = at + timedelta(seconds=wait)
        Contact.objects.create(
            source=src,
            contact_id=f"c{next(n)}",
            queue=queue,
            offered_at=at,
            wait_seconds=wait,
            answered_at=end if answered else None,
            abandoned_at=None if answered else end,
        )

    # Calls, day 1 (NY): 2 answered within 20 s of 4 offered (1 late, 1 abandoned at 30 s).
    contact(calls, utc(2026, 12, 6, 15), 10)
    contact(calls, utc(2026, 12, 6, 16), 20)
    contact(calls, utc(2026, 12, 6, 17), 40)
    contact(calls, utc(2026, 12, 6, 18), 30, answered=False)
    # Calls, day 2 (NY): 3 of 4; one at 03:00 UTC on the 8th is 22:00 on the 7th in NY.
    contact(calls, utc(2026, 12, 7, 15), 5)
    contact(calls, utc(2026, 12, 7, 16), 5)
    contact(calls, utc(2026, 12, 8, 3), 15)
    contact(calls, utc(2026, 12, 7, 17), 60)
    # Chats, day 2 (UTC): 1 of 2 (the 03:00 UTC one on the 8th is not the 7th here).
    contact(chats, utc(2026, 12, 7, 9), 2)
    contact(chats, utc(2026, 12, 7, 10), 50)
    contact(chats, utc(2026, 12, 8, 3), 1)
    for day in (DAY1, DAY2):
        compute.recompute_day(day, kpi_keys=KEYS, backlog=False)
    return calls, chats


def table(response, name):
    return next(t for t in response.context["tables"] if t.name == name)


def test_the_front_office_page_shows_yesterdays_service_level_per_queue(
    client, supervisor, queues, front_team
):
    calls, chats = queues
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:office", args=["front"]), WEEK)
    tbl = table(response, "queues")
    assert tbl.columns[:6] == [
        "Queue",
        "Owning team",
        "Service level, 07 Dec (%)",
        "Service level, 7 days (%)",
        "Average speed of answer, 07 Dec (s)",
        "Average speed of answer, 7 days (s)",
    ]
    rows = {row[0].text: [c.text for c in row] for row in tbl.rows}
    # Calls: 3/4 = 75 % on the 7th, 5/8 = 62.5 % over the week; ASA 85/4 and 155/7 s;
    # abandonment 0 % on the 7th, 1 in 8 over the week.
    assert rows["Calls"][:2] == ["Calls", front_team.name]
    assert rows["Calls"][2:] == ["75.0", "62.5", "21.2", "22.1", "0.0", "12.5"]
    assert rows["Chats"][2:4] == ["50.0", "50.0"]
    assert list(rows) == ["Calls", "Chats"]
    body = response.content.decode()
    assert "Queues: measured from contact events" in body and "calendar&#x27;s time zone" in body
    export = client.get(reverse("dashboard:office", args=["front"]), WEEK | {"export": "queues"})
    assert "Service level, 07 Dec (%)" in b"".join(export.streaming_content).decode()


def test_the_front_office_page_reads_queues_in_constant_queries(
    client, supervisor, queues, front_team, django_assert_num_queries
):
    calls, _ = queues
    client.force_login(supervisor)
    url = reverse("dashboard:office", args=["front"])
    # 1 user + team, 2 roles, 3 office teams, 4 goals, 5 team totals, 6 queue totals,
    # 7 queue names, 8 live backlog, 9 chart series (no goal: no adjustments).
    with django_assert_num_queries(9):
        client.get(url, WEEK)
    for i in range(4):
        q = make_front_type(front_team, calls.required_skill, name=f"Q{i}", channel="chat")
        KpiSnapshot.objects.create(
            day=DAY2,
            kpi="service_level",
            scope_kind=ScopeKind.QUEUE,
            scope_id=q.pk,
            team=front_team,
            office="front",
            numerator=1,
            denominator=2,
            value=0.5,
        )
    with django_assert_num_queries(8):  # the same, the live backlog from the cache
        response = client.get(url, WEEK)
    assert len(table(response, "queues").rows) == 6


def test_the_kpi_api_reads_queue_rows_by_cursor(api_as, planner, agent, queues, front_team):
    calls, chats = queues
    client = api_as(planner)
    body = client.get("/api/v1/kpis/", {"scope_kind": "queue", "kpi": "service_level"}).json()
    rows = {(r["day"], r["scope_id"]): r for r in body["results"]}
    days = {("2026-12-07", calls.pk), ("2026-12-06", calls.pk), ("2026-12-07", chats.pk)}
    assert set(rows) == days
    mine = rows[("2026-12-07", calls.pk)]
    assert (mine["numerator"], mine["denominator"], mine["display_value"]) == (3.0, 4.0, 75.0)
    assert (mine["team"], mine["office"], mine["scope_kind"]) == (front_team.pk, "front", "queue")
    # Every row of both days, two at a time by cursor: each once, newest day first.
    seen, url, query = [], "/api/v1/kpis/", {"page_size": 2}
    while url:
        page = client.get(url, query).json()
        seen += [(r["day"], r["kpi"], r["scope_kind"], r["scope_id"]) for r in page["results"]]
        url, query = page["next"], None
    assert len(seen) == len(set(seen)) == KpiSnapshot.objects.count()
    assert sum(1 for s in seen if s[2] == "queue") == 3 * 2 + 3  # Calls 2 days, Chats 1
    assert [s[0] for s in seen] == sorted((s[0] for s in seen), reverse=True)
    # Agents read their own agent rows only: no queue rows.
    refused = api_as(agent).get("/api/v1/kpis/", {"scope_kind": "queue"}).json()
    assert refused["results"] == []
    bad = client.get("/api/v1/kpis/", {"scope_kind": "queues"})
    assert bad.status_code == 400 and "scope_kind" in bad.json()["errors"]
