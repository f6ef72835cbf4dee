"""GET /api/v1/queue-stats/ and the queue KPIs from a scripted day of contact events.

The day (2026-12-07, Europe/Paris, queue "Calls" with a 20 s answer target, short abandon
<= 5 s), offered times in Paris time:

  c1 09:00:00 answered +10 s, ended: talk 240 hold 30 wrap 30 (300)   within target
  c2 09:01:00 answered +25 s, ended: talk 100 wrap 20 (120)           late; answer sent first
  c3 09:02:00 answered +20 s, ended: talk 150 hold 10 wrap 20 (180)   within (boundary)
  c4 09:03:00 abandoned +3 s                                          short abandon
  c5 09:04:00 abandoned +5 s                                          short abandon (boundary)
  c6 09:05:00 abandoned +40 s                                         abandon
  c7 09:06:00 answered +5 s, not ended yet                            within, not handled
  c8 00:30:00 answered +8 s, ended: talk 60 (60)                      within (23:30 UTC the 6th)
  c9 23:59:50 on the 6th                                              another day
  c10 on the queue "Chats"                                            another queue

offered 8, answered 5, abandoned 3, short 2, within target 4 (c1, c3, c7, c8)
SL = 4 / (8 - 2) = 0.6667; ASA = (10 + 25 + 20 + 5 + 8) / 5 = 13.6;
AHT = (300 + 120 + 180 + 60) / 4 = 165.
"""

import random
from datetime import date

import pytest

from ccops import kpis
from ccops.kpi_models import OFFICE_SCOPE_IDS, OVERALL_SCOPE_ID, ScopeKind
from ccops.kpis.registry import day_cache_scope
from contacts.kpis import _kpi
from tests.factories import make_front_type

from .conftest import event

pytestmark = pytest.mark.django_db

DAY = "2026-12-07"
EXPECTED = {
    "offered": 8,
    "answered": 5,
    "abandoned": 3,
    "short_abandoned": 2,
    "answered_within_target": 4,
    "service_level": pytest.approx(4 / 6),
    "asa_seconds": pytest.approx(13.6),
    "aht_seconds": pytest.approx(165.0),
    "time_zone": "Europe/Paris",  # no calendar: the project's TIME_ZONE
}


def at(clock: str, day: str = DAY) -> str:
    return f"{day}T{clock}+01:00"


def scripted_day(calls, chats) -> list[dict]:
    q = calls.name
    e = []
    e += [
        event("1o", "offered", at("09:00:00"), "c1", queue=q),
        event("1a", "answered", at("09:00:10"), "c1", agent="agent"),
        event(
            "1e",
            "ended",
            at("09:05:10"),
            "c1",
            agent="agent",
            talk_seconds=240,
            hold_seconds=30,
            wrap_seconds=30,
        ),
        event("2a", "answered", at("09:01:25"), "c2", agent="agent2", queue=calls.pk),
        event("2o", "offered", at("09:01:00"), "c2", queue=q),
        event(
            "2e", "ended", at("09:03:25"), "c2", agent="agent2", talk_seconds=100, wrap_seconds=20
        ),
        event("3o", "offered", at("09:02:00"), "c3", queue=q),
        event("3a", "answered", at("09:02:20"), "c3", agent="agent"),
        event(
            "3e",
            "ended",
            at("09:05:20"),
            "c3",
            agent="agent",
            talk_seconds=150,
            hold_seconds=10,
            wrap_seconds=20,
        ),
        event("4o", "offered", at("09:03:00"), "c4", queue=q),
        event("4x", "abandoned", at("09:03:03"), "c4"),
        event("5o", "offered", at("09:04:00"), "c5", queue=q),
        event("5x", "abandoned", at("09:04:05"), "c5"),
        event("6o", "offered", at("09:05:00"), "c6", queue=q),
        event("6x", "abandoned", at("09:05:40"), "c6"),
        event("7o", "offered", at("09:06:00"), "c7", queue=q),
        event("7a", "answered", at("09:06:05"), "c7", agent="agent2"),
        event("8o", "offered", at("00:30:00"), "c8", queue=q),
        event("8a", "answered", at("00:30:08"), "c8", agent="agent"),
        event("8e", "ended", at("00:31:08"), "c8", agent="agent", talk_seconds=60),
        event("9o", "offered", at("23:59:50", "2026-12-06"), "c9", queue=q),
        event("9a", "answered", at("00:00:05"), "c9", agent="agent"),
        event("10o", "offered", at("09:00:00"), "c10", queue=chats.name),
        event("10a", "answered", at("09:00:01"), "c10", agent="agent"),
    ]
    return e


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"
    settings.SHORT_ABANDON_SECONDS = 5


@pytest.fixture
def chats(calls, front_team):
    return make_front_type(front_team, calls.required_skill, name="Chats", channel="chat")


@pytest.fixture
def posted_day(paris, post, calls, chats, agent, agent2):
    events = scripted_day(calls, chats)
    random.Random(7).shuffle(events)  # any order of arrival gives the same figures
    for start in range(0, len(events), 7):
        assert post(events[start : start + 7]).status_code == 200
    return events


def test_a_scripted_day_gives_exactly_the_expected_figures(posted_day, api_as, supervisor, calls):
    response = api_as(supervisor).get("/api/v1/queue-stats/", {"date": DAY, "queue": calls.pk})
    assert response.status_code == 200
    assert response.json() == EXPECTED


def test_replaying_the_day_changes_no_figure(posted_day, post, api_as, supervisor, calls):
    assert post(posted_day).status_code == 200
    response = api_as(supervisor).get("/api/v1/queue-stats/", {"date": DAY, "queue": calls.pk})
    assert response.json() == EXPECTED


def test_the_day_before_and_another_queue_count_apart(posted_day, api_as, planner, calls, chats):
    client = api_as(planner)
    before = client.get("/api/v1/queue-stats/", {"date": "2026-12-06", "queue": calls.pk}).json()
    assert before["offered"] == 1 and before["answered"] == 1 and before["asa_seconds"] == 15
    other = client.get("/api/v1/queue-stats/", {"date": DAY, "queue": chats.pk}).json()
    assert other["offered"] == 1 and other["service_level"] == 1.0


def test_the_short_abandon_setting_moves_the_boundary(
    posted_day, settings, api_as, supervisor, calls
):
    settings.SHORT_ABANDON_SECONDS = 4  # c5 (5 s) is no longer short
    body = api_as(supervisor).get("/api/v1/queue-stats/", {"date": DAY, "queue": calls.pk}).json()
    assert body["short_abandoned"] == 1 and body["service_level"] == pytest.approx(4 / 7)


def test_an_empty_day_has_no_ratios(db, settings, api_as, supervisor, calls):
    body = api_as(supervisor).get("/api/v1/queue-stats/", {"date": DAY, "queue": calls.pk}).json()
    assert body == {
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "short_abandoned": 0,
        "answered_within_target": 0,
        "service_level": None,
        "asa_seconds": None,
        "aht_seconds": None,
        "time_zone": settings.TIME_ZONE,
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ({"queue": 1}, "date"),
        ({"date": "2026-13-01", "queue": 1}, "date"),
        ({"date": DAY}, "queue"),
        ({"date": DAY, "queue": "x"}, "queue"),
        ({"date": DAY, "queue": 2**70}, "queue"),
        ({"date": DAY, "queue": 999}, "queue"),
    ],
)
def test_bad_queries_are_400_naming_the_field(db, api_as, supervisor, calls, query, field):
    response = api_as(supervisor).get("/api/v1/queue-stats/", query)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_who_may_read_queue_stats(db, api, api_as, agent, qa, hr, planner, admin_user, calls):
    query = {"date": DAY, "queue": calls.pk}
    assert api.get("/api/v1/queue-stats/", query).status_code in (401, 403)
    for refused in (agent, qa, hr):
        assert api_as(refused).get("/api/v1/queue-stats/", query).status_code == 403
    for allowed in (planner, admin_user):
        assert api_as(allowed).get("/api/v1/queue-stats/", query).status_code == 200


def test_query_count_of_queue_stats(
    posted_day, api_as, supervisor, calls, django_assert_num_queries
):
    client = api_as(supervisor)
    # 1 the user's roles (HasRole), 2 the queue's time zone (which finds the queue), 3 the
    # one aggregate.
    with django_assert_num_queries(3):
        assert (
            client.get("/api/v1/queue-stats/", {"date": DAY, "queue": calls.pk}).json() == EXPECTED
        )


def test_the_kpis_roll_the_queues_up_to_team_office_and_overall(posted_day, calls, front_team):
    day = date(2026, 12, 7)
    with day_cache_scope():
        sl = {(r[0], r[1]): r[3:] for r in _kpi("service_level")(day)}
        asa = {(r[0], r[1]): r[3:] for r in _kpi("asa")(day)}
        abandon = {(r[0], r[1]): r[3:] for r in _kpi("abandonment_rate")(day)}
    team = (ScopeKind.TEAM, front_team.pk)
    office = (ScopeKind.OFFICE, OFFICE_SCOPE_IDS["front"])
    overall = (ScopeKind.OVERALL, OVERALL_SCOPE_ID)
    # Calls (above) plus Chats: 1 offered, answered within target after 1 s.
    for scope in (team, office, overall):
        assert sl[scope] == (5.0, 7.0)
        assert asa[scope] == (69.0, 6.0)
        assert abandon[scope] == (3.0, 9.0)
    assert {k.key for k in kpis.all_kpis()} >= {"service_level", "asa", "abandonment_rate"}


def test_intraday_shows_the_service_level_and_asa_measured_today(post, calls, agent):
    from datetime import UTC, datetime

    from staffing.intraday import intraday_snapshot

    post(
        [
            event("1o", "offered", "2026-12-07T09:00:00+00:00", "c1", queue=calls.name),
            event("1a", "answered", "2026-12-07T09:00:10+00:00", "c1", agent="agent"),
            event("2o", "offered", "2026-12-07T09:01:00+00:00", "c2", queue=calls.name),
            event("2a", "answered", "2026-12-07T09:01:30+00:00", "c2", agent="agent"),
            event("3o", "offered", "2026-12-07T10:30:00+00:00", "c3", queue=calls.name),
        ]
    )
    snap = intraday_snapshot(now=datetime(2026, 12, 7, 10, tzinfo=UTC))
    row = next(r for r in snap["front"] if r["work_type"] == calls)
    assert row["service_level_today"] == 0.5 and row["asa_today"] == 20  # c3 is after now


def test_the_nightly_recompute_stores_the_queue_kpis_per_scope(
    posted_day, front_team, calls, chats
):
    from ccops.kpi_models import KpiSnapshot
    from ccops.kpis import compute

    keys = ["service_level", "asa", "abandonment_rate"]
    for _ in range(2):  # a re-run gives the same rows
        compute.recompute_day(date(2026, 12, 7), kpi_keys=keys, backlog=False)
    rows = {
        (r.kpi, r.scope_kind, r.scope_id): (r.numerator, r.denominator, r.value, r.team_id)
        for r in KpiSnapshot.objects.filter(day=date(2026, 12, 7), kpi__in=keys)
    }
    assert len(rows) == 15  # 3 KPIs x (team, office, overall, queues Calls and Chats)
    assert rows[("service_level", "team", front_team.pk)][:3] == (5.0, 7.0, pytest.approx(5 / 7))
    assert rows[("asa", "overall", 0)][:3] == (69.0, 6.0, pytest.approx(11.5))
    assert rows[("abandonment_rate", "office", 1)][:2] == (3.0, 9.0)
    # Per queue: the API's figures of the day (one rule), the queue's owning team on the row.
    assert rows[("service_level", "queue", calls.pk)] == (
        4.0,
        6.0,
        pytest.approx(4 / 6),
        front_team.pk,
    )
    assert rows[("asa", "queue", calls.pk)][:3] == (68.0, 5.0, pytest.approx(13.6))
    assert rows[("abandonment_rate", "queue", calls.pk)][:3] == (3.0, 8.0, pytest.approx(3 / 8))
    assert rows[("service_level", "queue", chats.pk)][:3] == (1.0, 1.0, 1.0)


def test_the_schema_documents_both_endpoints_without_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include("contacts.api.urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache)
    post = schema["paths"]["/api/v1/contact-events/"]["post"]
    assert {"200", "207", "400", "401"} <= set(post["responses"])
    headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
    assert headers == {"X-Ccops-Source", "X-Ccops-Timestamp", "X-Ccops-Signature"}
    stats = schema["paths"]["/api/v1/queue-stats/"]["get"]
    assert {p["name"] for p in stats["parameters"]} == {"date", "queue"}
