"""Object-level access: team A's agent and supervisor ask for team B's objects, and the
staff roles ask for them too, by every URL that carries an object id (page and API).

A refusal is a 403 or a 404 whose body does not carry the object; an allowed read is a 200
whose body does. The rule per object (from the role model and each queryset's docstring):

- work items and customers: supervisors, planners, QA and HR read all work
  (``WorkItem.objects.visible_to``); an agent reads what they hold, their team's work and
  the open queue, and the customers of that work;
- evaluations and coaching: QA all; supervisors their teams' (non-draft); agents their own;
- shifts: planners all; supervisors their teams' agents'; agents their own;
- enrollments and recognitions: HR all; supervisors their teams' agents'; agents their own;
- agent profiles, skills edits and points statements: HR and the agent's supervisor;
- skills and buddy pairings: HR, supervisors and planners read every team's (the skills
  matrix and the pairing board are cross-team by design); changes are HR's or the agent's
  supervisor's (the services refuse the others);
- notifications: their person only, whatever the role (not even an admin reads another's);
- dashboards and KPI rows: supervisors, planners, QA and HR read every team (the team
  comparison is the point of them); agents only their own scorecard and KPI rows.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

ACTORS = ("agent", "supervisor", "planner", "qa", "hr")
DENY, OK, PASS = "deny", "ok", "pass"  # PASS: not refused (the body is not checked)


def _b(attr):
    return lambda w: {"pk": getattr(w.b, attr).pk}


def _b_agent(w):
    return {"pk": w.b.agent.pk}


# (url name, method, kwargs of team B's object, body, what shows the object ("id": the JSON
#  id is its pk; else a text, or a function of the world giving one), expected for agent,
#  supervisor, planner, qa, hr). Writes run after the reads, in this order.
CASES = [
    # work items and customers
    ("workitems:item_detail", "get", _b("item"), None, "Open B", "deny ok ok ok ok"),
    ("workitems:item_action", "post", lambda w: {"pk": w.b.item.pk, "action": "comment"},
     {"note": "x"}, None, "deny pass pass pass pass"),
    ("workitems:item_attachment", "get",
     lambda w: {"pk": w.b.item.pk, "attachment_pk": w.b.attachment.pk}, None, None,
     "deny ok ok ok ok"),
    ("workitems:customer_detail", "get", _b("customer"), None, "Customer B",
     "deny ok ok ok ok"),
    ("workitem-detail", "get", _b("item"), None, "id", "deny ok ok ok ok"),
    ("workitem-events", "get", _b("item"), None, None, "deny ok ok ok ok"),
    ("workitem-comment", "post", _b("item"), {"note": "x"}, None, "deny pass pass pass pass"),
    ("workitem-complete", "post", _b("item"), {}, None, "deny deny deny deny deny"),
    ("workitem-start", "post", _b("item"), {}, None, "deny deny deny deny deny"),
    ("customer-detail", "get", _b("customer"), None, "id", "deny ok ok ok ok"),
    ("customer-journey", "get", _b("customer"), None, None, "deny ok ok ok ok"),
    # notifications: team B's agent's, refused to everyone else
    ("ccops:notification_open", "post", _b("notification"), {}, None,
     "deny deny deny deny deny"),
    ("notification-read", "post", _b("notification"), {}, None, "deny deny deny deny deny"),
    # quality
    ("quality:evaluation_detail", "get", _b("evaluation"), None, "Done B",
     "deny deny deny ok deny"),
    ("quality:evaluation_edit", "get", _b("evaluation"), None, None,
     "deny deny deny pass deny"),
    ("quality:evaluation_acknowledge", "post", _b("evaluation"), {"version": 1}, None,
     "deny deny deny pass deny"),
    ("quality:evaluation_dispute", "post", _b("evaluation"), {"version": 1, "reason": "x"},
     None, "deny deny deny pass deny"),
    ("quality:evaluation_resolve", "get", _b("evaluation"), None, None,
     "deny deny deny pass deny"),
    ("quality:coaching_detail", "get", _b("coaching"), None, "Otheragent",
     "deny deny deny ok deny"),
    ("quality:coaching_done", "post", _b("coaching"), {}, None, "deny deny deny pass deny"),
    ("qa-evaluation-detail", "get", _b("evaluation"), None, "id", "deny deny deny ok deny"),
    ("qa-evaluation-acknowledge", "post", _b("evaluation"), {}, None,
     "deny deny deny deny deny"),
    ("qa-evaluation-dispute", "post", _b("evaluation"), {"reason": "x"}, None,
     "deny deny deny deny deny"),
    ("qa-coaching-detail", "get", _b("coaching"), None, "id", "deny deny deny ok deny"),
    ("qa-coaching-complete", "post", _b("coaching"), {}, None, "deny deny deny pass deny"),
    # staffing
    ("staffing-shift-detail", "get", _b("shift"), None, "id", "deny deny ok deny deny"),
    ("staffing-shift-detail", "patch", _b("shift"), {"note": "x"}, None,
     "deny deny pass deny deny"),
    # time off and trades: team B's request and its agent's taken trade (before the
    # shift's deletion below, which takes the trade with it)
    ("staffing-time-off-detail", "get", _b("time_off"), None, "id", "deny deny ok deny deny"),
    ("staffing-shift-trade-detail", "get", _b("trade"), None, "id", "deny deny ok deny deny"),
    ("staffing:time_off_cancel", "post", _b("time_off"), {}, None, "deny deny deny deny deny"),
    ("staffing:time_off_approve", "post", _b("time_off"), {}, None, "deny deny pass deny deny"),
    ("staffing:time_off_decline", "post", _b("time_off"), {"reason": "x"}, None,
     "deny deny pass deny deny"),
    ("staffing:trade_take", "post", _b("trade"), {}, None, "deny deny deny deny deny"),
    ("staffing:trade_cancel", "post", _b("trade"), {}, None, "deny deny deny deny deny"),
    ("staffing:trade_approve", "post", _b("trade"), {}, None, "deny deny pass deny deny"),
    ("staffing:trade_decline", "post", _b("trade"), {"reason": "x"}, None,
     "deny deny pass deny deny"),
    ("staffing-time-off-approve", "post", _b("time_off"), {}, None, "deny deny pass deny deny"),
    ("staffing-time-off-decline", "post", _b("time_off"), {"reason": "x"}, None,
     "deny deny pass deny deny"),
    ("staffing-time-off-cancel", "post", _b("time_off"), {}, None, "deny deny deny deny deny"),
    ("staffing-shift-trade-take", "post", _b("trade"), {}, None, "deny deny deny deny deny"),
    ("staffing-shift-trade-approve", "post", _b("trade"), {}, None, "deny deny pass deny deny"),
    ("staffing-shift-trade-decline", "post", _b("trade"), {"reason": "x"}, None,
     "deny deny pass deny deny"),
    ("staffing-shift-trade-cancel", "post", _b("trade"), {}, None, "deny deny deny deny deny"),
    ("staffing:shift_delete", "post", _b("shift"), {}, None, "deny deny pass deny deny"),
    # team B's switch: its own supervisor or a planner; rules: planners (every team's)
    ("staffing:team_auto_approve", "post", _b("team"), {}, None, "deny deny pass deny deny"),
    ("staffing:team_rules", "get", _b("team"), None, "Front B", "deny deny ok deny deny"),
    ("staffing:agent_rules", "get", _b_agent, None, "Otheragent", "deny deny ok deny deny"),
    ("staffing:agent_rules_clear", "post", _b_agent, {}, None, "deny deny pass deny deny"),
    # training
    ("training:agent_profile", "get", _b_agent, None, "Otheragent",
     "deny deny deny deny ok"),
    ("training:agent_skill_edit", "get", lambda w: {"agent_pk": w.b.agent.pk,
     "skill_pk": w.skill.pk}, None, "Otheragent", "deny deny deny deny ok"),
    ("training:points_of", "get", _b_agent, None, "Otheragent", "deny deny deny deny ok"),
    ("training:enrollment_result", "post", _b("enrollment"), {"score": 80}, None,
     "deny deny deny deny pass"),
    ("training:shadowing_reflect", "post", _b("shadowing"), {"reflection": "x"}, None,
     "deny deny deny deny deny"),
    ("training:shadowing_reflect", "post", _b("shadowing"), {"cancel": "1"}, None,
     "deny deny deny deny pass"),
    ("training:pairing_end", "post", _b("pairing"), {}, None, "deny deny deny deny pass"),
    ("training-agentskill-detail", "get", _b("agent_skill"), None, "id",
     "deny ok ok deny ok"),
    ("training-agentskill-detail", "delete", _b("agent_skill"), None, None,
     "deny deny deny deny pass"),
    ("training-enrollment-detail", "get", _b("enrollment"), None, "id",
     "deny deny deny deny ok"),
    ("training-enrollment-result", "post", _b("enrollment"), {"score": 80}, None,
     "deny deny deny deny pass"),
    ("training-recognition-detail", "get", _b("recognition"), None, "id",
     "deny deny deny deny ok"),
    ("training-pairing-detail", "get", _b("pairing"), None, "id", "deny ok deny deny ok"),
    ("training-pairing-end", "post", _b("pairing"), {}, None, "deny deny deny deny pass"),
    # dashboards, KPI rows and people
    ("dashboard:agent", "get", _b_agent, None, "Otheragent", "deny ok ok ok ok"),
    ("dashboard:team", "get", lambda w: {"pk": w.b.team.pk}, None, "Front B",
     "deny ok ok ok ok"),
    ("kpi-snapshot-detail", "get", _b("snapshot"), None,
     lambda w: f'"scope_id":{w.b.agent.pk},', "deny ok ok ok ok"),
    ("user-detail", "get", _b_agent, None, "id", "deny ok ok ok ok"),
]  # fmt: skip


def _object_pk(kwargs):
    return next(iter(kwargs.values())) if len(kwargs) == 1 else None


def _send(client, method, url, body, api):
    if method == "get":
        return client.get(url)
    if api:
        payload = json.dumps(body or {})
        return getattr(client, method)(url, payload, content_type="application/json")
    return client.post(url, body or {})


def _check(response, expected, shows, kwargs, api):
    """None if ``response`` is what ``expected`` says, else why not."""
    code = response.status_code
    if expected == DENY:
        if code not in (403, 404):
            return f"expected 403/404, got {code}"
        if shows and not api and shows.encode() in response.content:
            return f"refused, but the body shows {shows!r}"
        return None
    if code in (401, 403, 404, 405) or code >= 500:
        return f"expected access, got {code}"
    if expected == OK:
        if code != 200:
            return f"expected 200, got {code}"
        if shows == "id" and response.json().get("id") != _object_pk(kwargs):
            return f"expected the object's id, got {response.content[:200]!r}"
        if shows and shows != "id" and shows.encode() not in response.content:
            return f"200 without {shows!r} on the page"
    return None


@pytest.mark.parametrize("actor", ACTORS)
def test_team_b_objects(world, actor):
    client = Client()
    client.force_login(world.people[actor])
    wrong = []
    # Reads first: a write (ending a pairing, cancelling a session) may change later rows.
    cases = sorted(CASES, key=lambda case: case[1] != "get")
    for name, method, kwargs_of, body, shows, expected in cases:
        kwargs = kwargs_of(world)
        url = reverse(name, kwargs=kwargs)
        api = url.startswith("/api/")
        response = _send(client, method, url, body, api)
        if callable(shows):
            shows = shows(world)
        wanted = dict(zip(ACTORS, expected.split(), strict=True))[actor]
        problem = _check(response, wanted, shows, kwargs, api)
        if problem:
            wrong.append(f"{method.upper()} {url} ({name}) as {actor} (team A): {problem}")
    assert not wrong, "\n".join(wrong)


def test_every_id_route_has_an_object_case():
    """Routes with an object id that belongs to a team or a person are all in CASES (or
    declared here as objects of nobody's team, readable by the roles the matrix names)."""
    from .routes import project_routes

    not_team_owned = {
        # one per center, not per team or person: the matrix checks the roles
        "dashboard:office", "dashboard:pilot_detail", "dashboard:goal_detail",
        "dashboard:goal_edit", "dashboard:wallboard", "dashboard:wallboard_partial",
        "staffing:forecast_type", "staffing:plan_detail",
        "staffing:plan_line_override", "staffing:plan_action", "quality:calibration_detail",
        "quality:scorecard_detail", "quality:scorecard_edit", "training:module_detail",
        "training:idea_detail", "training:promote", "training:assess",
        "workitems:public_status", "team-detail", "goal-detail", "pilot-detail",
        "pilot-results", "staffing-plan-detail", "staffing-plan-build", "staffing-plan-copy",
        "staffing-plan-publish", "staffing-plan-line-detail", "staffing-forecast-detail",
        "staffing-forecast-build-detail", "staffing-forecast-override-detail",
        "staffing:forecast_event_delete", "staffing-forecast-event-detail",
        "worktype-detail", "qa-scorecard-detail", "qa-calibration-detail",
        "qa-calibration-results", "qa-calibration-reveal",
        "training-skill-detail", "training-tier-detail",
        "training-tier-promote", "training-module-detail", "training-idea-detail",
        "training-idea-transition",
        # the same object as a case above, another action (services check the caller)
        "qa-evaluation-submit", "qa-evaluation-resolve", "workitem-assign",
        "workitem-cancel", "workitem-escalate", "workitem-handoff", "workitem-merge",
        "workitem-pend", "workitem-reopen", "workitem-suggested-agents",
        "workitem-unassign",
        # admins only, whatever the team: the matrix checks the roles
        "customer-erase",
        # not an object: a page of the user guide, the same for everyone
        "ccops:guide_page",
        # schedule runs: planners' drafts (writes planners' only, checked by the matrix);
        # supervisors read their teams' runs (tests/staffing/test_schedule_runs.py)
        "staffing:schedule_run", "staffing:schedule_run_publish",
        "staffing:scheduled_shift_edit", "staffing:scheduled_shift_lock",
        "staffing:scheduled_shift_add", "staffing:scheduled_shift_delete",
        "staffing-schedule-run-detail", "staffing-schedule-run-publish",
    }  # fmt: skip
    covered = {case[0] for case in CASES}
    routes, _ = project_routes()
    with_id = [r.name for r in routes if "<" in r.route and "format" not in r.route]
    missing = [n for n in with_id if n not in covered and n not in not_team_owned]
    assert not missing, "URL with an object id and no object-access case: " + ", ".join(missing)
