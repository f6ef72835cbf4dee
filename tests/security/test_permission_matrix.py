"""Every URL of the project, for every role, against a declared table of outcomes.

A route missing from ``RULES`` fails ``test_every_route_has_a_rule``: a new page or endpoint
cannot ship without someone deciding who may open it. URL kwargs are team A's objects
(``tests/security/kwargs.py``): ``agent`` and their ``supervisor`` own them, ``other_agent``
(another team) does not. Object-level refusals across teams are in ``test_object_access``.

Each rule is ``(GET, POST)``: a code per role, in the order of the header below; POST is
checked only where the view accepts POST (``None`` otherwise; logout is not POSTed: it ends
the session). POSTs carry an empty body unless ``POST_DATA`` gives one, so they stop at the
first check: role, then object, then the form. Codes (``routes.py``):

    O 2xx     R redirect (not to login)   L redirect to the login page (anonymous page)
    A 401/403 for the anonymous API        F 403     N 404 (object hidden)     M 405
    P got past the permission checks: any response but 401/403/404/405 and 5xx (a 400 for
      the empty body, a 409 for the object's state, or a success)

Design decisions the table encodes (see the module docstrings it names):
- supervisors, planners, QA and HR read every work item (``WorkItem.objects.visible_to``),
  every team's dashboards (``ccops/dashboards/views/base.py``) and the skills matrix;
- agents read teams, work types, shared goals, scorecards, tiers, modules and ideas;
- the customer status page (signed token), ``/healthz``, the login page and the API schema
  and docs are public.
"""

import json

import pytest
from django.test import Client

from .conftest import ROLES
from .kwargs import kwargs_for, post_data_for, query_for
from .routes import is_api, matches, outcome, project_routes, url_of

# fmt: off
RULES = {
    # name                      GET: anon agent other_agent supervisor planner qa hr admin
    "home": ("L R R R R R R O", None),
    "healthz": ("O O O O O O O O", None),
    "login": ("O O O O O O O O", "P P P P P P P P"),
    "logout": ("M M M M M M M M", None),
    "password_change": ("L O O O O O O O", "L P P P P P P P"),
    "password_change_done": ("L O O O O O O O", None),
    "ccops:team_list": ("L F F O O O O O", None),
    "ccops:audit_export": ("L F F F F F F O", None),
    # Everyone's own notifications; one of team A's agent's is opened by them only.
    "ccops:notifications": ("L O O O O O O O", "L R R R R R R R"),
    "ccops:notification_badge": ("L O O O O O O O", None),
    "ccops:guide": ("L O O O O O O O", None),
    "ccops:guide_page": ("L O O O O O O O", None),
    "ccops:notification_settings": ("L O O O O O O O", "L R R R R R R R"),
    "ccops:notification_open": ("L M M M M M M M", "L R N N N N N N"),
    # Single sign-on answers 404 until OIDC_* is configured (ccops/oidc.py).
    "oidc_authentication_init": ("N N N N N N N N", None),
    "oidc_authentication_callback": ("N N N N N N N N", None),
    "oidc_end_session": ("L L L L L L L L", None),  # (to the login page)
    "dashboard:overview": ("L F F O O O O O", None),
    "dashboard:office": ("L F F O O O O O", None),
    "dashboard:team": ("L F F O O O O O", None),
    "dashboard:agent": ("L F F O O O O O", None),
    "dashboard:me": ("L O O O O O O O", None),
    "dashboard:process_map": ("L F F O O O O O", None),
    "dashboard:goal_list": ("L F F O O O O O", None),
    "dashboard:goal_detail": ("L F F O O O O O", None),
    "dashboard:goal_edit": ("L F F O F F F O", "L F F P F F F P"),
    "dashboard:pilot_list": ("L F F O O O O O", None),
    "dashboard:pilot_create": ("L F F O F F F O", "L F F P F F F P"),
    "dashboard:pilot_detail": ("L F F O O O O O", None),
    # Pages that update themselves (ccops/dashboards/views/live.py): dashboard roles.
    "dashboard:today_tiles": ("L F F O O O O O", None),
    "dashboard:wallboard_front": ("L F F O O O O O", None),
    "dashboard:wallboard": ("L F F O O O O O", None),
    "dashboard:wallboard_partial": ("L F F O O O O O", None),
    "staffing:erlang": ("L F F O O F F O", None),
    "staffing:backlog": ("L F F O O F F O", None),
    "staffing:forecasts": ("L F F O O F F O", None),
    "staffing:forecast_rebuild": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:forecast_type": ("L F F O O F F O", "L F F F P F F P"),
    "staffing:forecast_event_add": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:forecast_event_delete": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:plan_list": ("L F F O O F F O", "L F F F P F F P"),
    "staffing:plan_detail": ("L F F O O F F O", None),
    "staffing:plan_line_override": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:plan_action": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:schedule": ("L F F O O F F O", "L F F P P F F P"),
    "staffing:schedule_export": ("L F F O O F F O", None),
    "staffing:schedule_import": ("L F F O O F F O", "L F F P P F F P"),
    "staffing:shift_delete": ("L F F M M F F M", "L F F P P F F P"),
    "staffing:my_schedule": ("L O O F F F F O", None),
    "staffing:intraday": ("L F F O O F F O", None),
    "staffing:adherence": ("L F F O O F F O", "L F F P P F F P"),
    "staffing:flex_apply": ("L F F M M F F M", "L F F P P F F P"),
    "staffing:schedule_runs": ("L F F O O F F O", "L F F F P F F P"),
    "staffing:schedule_run": ("L F F O O F F O", None),
    "staffing:schedule_run_publish": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:scheduled_shift_edit": ("L F F F O F F O", "L F F F P F F P"),
    "staffing:scheduled_shift_lock": ("L F F F M F F M", "L F F F P F F P"),
    "staffing:scheduled_shift_add": ("L F F F O F F O", "L F F F P F F P"),
    "staffing:scheduled_shift_delete": ("L F F F M F F M", "L F F F P F F P"),
    # Time off and trades: agents request, offer, take on My schedule (their own objects;
    # team A's trade is taken, so another agent does not see it); supervisors of the team,
    # planners and admins decide on the Time off page (tests/staffing/test_time_off.py).
    "staffing:time_off_request": ("L M M F F F F M", "L R R F F F F R"),
    "staffing:time_off_cancel": ("L M M F F F F M", "L R N F F F F N"),
    "staffing:trade_offer": ("L M M F F F F M", "L R R F F F F R"),
    "staffing:trade_take": ("L M M F F F F M", "L R N F F F F R"),
    "staffing:trade_cancel": ("L M M F F F F M", "L R N F F F F F"),
    "staffing:time_off": ("L F F O O F F O", None),
    "staffing:time_off_approve": ("L F F M M F F M", "L F F R R F F R"),
    "staffing:time_off_decline": ("L F F M M F F M", "L F F R R F F R"),
    "staffing:trade_approve": ("L F F M M F F M", "L F F R R F F R"),
    "staffing:trade_decline": ("L F F M M F F M", "L F F R R F F R"),
    # Scheduling rules: supervisors read their teams' and switch their auto-approval;
    # planners (and admins) edit rules (tests/staffing/test_team_rules_balances.py).
    "staffing:rules": ("L F F O O F F O", None),
    "staffing:team_rules": ("L F F F O F F O", "L F F F P F F P"),
    "staffing:team_auto_approve": ("L F F M M F F M", "L F F P P F F P"),
    "staffing:agent_rules": ("L F F F O F F O", "L F F F P F F P"),
    "staffing:agent_rules_clear": ("L F F F M F F M", "L F F F P F F P"),
    # Holiday balances: planners and HR all agents (and set allowances), supervisors read
    # their teams'.
    "staffing:balances": ("L F F O O F O O", None),
    "staffing:balances_export": ("L F F O O F O O", None),
    "staffing:allowance_set": ("L F F F M F M M", "L F F F P F P P"),
    "quality:queue": ("L F F O F O F O", None),
    "quality:sample_draw": ("L F F F F M F M", "L F F F F P F P"),
    "quality:evaluation_list": ("L F F O F O F O", None),
    "quality:evaluation_start": ("L F F M F M F M", "L F F P F P F P"),
    "quality:evaluation_detail": ("L O N O N O N O", None),
    "quality:evaluation_edit": ("L N N N N R N N", "L N N N N P N N"),
    "quality:evaluation_acknowledge": ("L M M M M M M M", "L P N P N P N P"),
    "quality:evaluation_dispute": ("L M M M M M M M", "L P N P N P N P"),
    "quality:evaluation_resolve": ("L F F R F R F R", "L F F P F P F P"),
    "quality:my_quality": ("L O O F F F F O", None),
    "quality:calibration_list": ("L F F O F O F O", None),
    "quality:calibration_item_picker": ("L F F F F O F O", None),
    "quality:calibration_create": ("L F F F F O F O", "L F F F F P F P"),
    "quality:calibration_detail": ("L F F N F O F O", "L F F N F N F N"),
    "quality:coaching_list": ("L O O O F O F O", None),
    "quality:coaching_create": ("L F F O F O F O", "L F F P F P F P"),
    "quality:coaching_detail": ("L O N O N O N O", None),
    "quality:coaching_done": ("L M M M M M M M", "L F N P N P N P"),
    "quality:tip_list": ("L O O O F O F O", None),
    "quality:tip_create": ("L F F F F O F O", "L F F F F P F P"),
    "quality:scorecard_list": ("L F F F F O F O", None),
    "quality:scorecard_create": ("L F F F F O F O", "L F F F F P F P"),
    "quality:scorecard_detail": ("L F F F F O F O", None),
    "quality:scorecard_edit": ("L F F F F O F O", "L F F F F P F P"),
    "workitems:my_work": ("L O O F F F F O", None),
    "workitems:claim_next": ("L M M F F F F M", "L P P F F F F P"),
    "workitems:presence_set": ("L M M F F F F M", "L P P F F F F P"),
    "workitems:item_detail": ("L O N O O O O O", None),
    "workitems:item_attachment": ("L O N O O O O O", None),  # who may see the item
    "workitems:item_action": ("L M M M M M M M", "L P N P P P P P"),
    "workitems:queue": ("L F F O F F F O", None),
    "workitems:queue_backlog": ("L F F O F F F O", None),
    "workitems:queue_export": ("L F F O F F F O", None),
    "workitems:bulk_assign": ("L F F M F F F M", "L F F P F F F P"),
    "workitems:customer_detail": ("L O N O O O O O", None),
    "workitems:presence_board": ("L F F O F F F O", None),
    "workitems:import": ("L F F O F F F O", "L F F P F F F P"),
    "workitems:import_template": ("L F F O F F F O", None),
    "workitems:public_status": ("O O O O O O O O", None),
    "training:me": ("L O O F F F F O", None),
    "training:my_buddy": ("L O O F F F F O", None),
    "training:newhire": ("L O O F F F F O", "L P P F F F F P"),
    "training:matrix": ("L F F O O F O O", None),
    "training:agent_skill_edit": ("L F F O F F O O", "L F F P F F P P"),
    "training:tier_report": ("L F F O F F O O", None),
    "training:tier_setup": ("L F F O F F O O", None),
    "training:tier_requirement": ("L F F F F F M M", "L F F F F F P P"),
    "training:tier_recompute": ("L F F F F F M M", "L F F F F F P P"),
    "training:agent_profile": ("L F F O F F O O", None),
    "training:promote": ("L F F F F F M M", "L F F F F F P P"),
    "training:assess": ("L F F F F F O O", "L F F F F F P P"),
    "training:module_list": ("L F F O F F O O", None),
    "training:module_create": ("L F F F F F M M", "L F F F F F P P"),
    "training:module_detail": ("L F F O F F O O", "L F F P F F P P"),
    "training:enrollment_result": ("L F F M F F M M", "L F F P F F P P"),
    "training:shadowing_list": ("L O O O O O O O", "L F F P F F P P"),
    "training:shadowing_reflect": ("L M M M M M M M", "L P F F F F F F"),
    "training:pairing_list": ("L F F O F F O O", None),
    "training:pairing_apply": ("L F F M F F M M", "L F F P F F P P"),
    "training:pair": ("L F F M F F M M", "L F F P F F P P"),
    "training:pairing_end": ("L F F M F F M M", "L F F P F F P P"),
    "training:leaderboard": ("L O O O O O O O", None),
    "training:give": ("L O O O O O O O", "L P P P P P P P"),
    "training:points": ("L O O O O O O O", None),
    "training:points_of": ("L O F O F F O O", None),
    "training:scheme_list": ("L F F F F F O O", "L F F F F F P P"),
    "training:idea_list": ("L O O O O O O O", "L P P P P P P P"),
    "training:idea_detail": ("L O O O O O O O", "L F F P F F P P"),
    "team-list": ("A O O O O O O O", "A F F F F F F P"),
    "team-detail": ("A O O O O O O O", None),
    "user-list": ("A F F O O O O O", None),
    "user-me": ("A O O O O O O O", None),
    "notification-list": ("A O O O O O O O", None),
    "notification-read": ("A M M M M M M M", "A P N N N N N N"),
    "notification-read-all": ("A M M M M M M M", "A P P P P P P P"),
    "user-detail": ("A F F O O O O O", None),
    "api-root": ("A O O O O O O O", None),
    "kpi-snapshot-list": ("A O O O O O O O", None),
    "kpi-snapshot-definitions": ("A O O O O O O O", None),
    "kpi-snapshot-rollup": ("A O O O O O O O", None),
    "kpi-snapshot-detail": ("A O N O O O O O", None),
    "goal-list": ("A O O O O O O O", "A F F P F F F P"),
    "goal-detail": ("A O O O O O O O", None),
    "pilot-list": ("A F F O O O O O", "A F F P F F F P"),
    "pilot-detail": ("A F F O O O O O", None),
    "pilot-results": ("A F F O O O O O", None),
    "staffing-erlang": ("A F F M M F F M", "A F F P P F F P"),
    "staffing-backlog-plan": ("A F F M M F F M", "A F F P P F F P"),
    "staffing-plan-list": ("A F F O O F F O", "A F F F P F F P"),
    "staffing-plan-detail": ("A F F O O F F O", None),
    "staffing-plan-build": ("A F F M M F F M", "A F F F P F F P"),
    "staffing-plan-copy": ("A F F M M F F M", "A F F F P F F P"),
    "staffing-plan-publish": ("A F F M M F F M", "A F F F P F F P"),
    "staffing-plan-line-list": ("A F F O O F F O", None),
    "staffing-plan-line-detail": ("A F F O O F F O", None),
    "staffing-forecast-list": ("A F F O O F F O", None),
    "staffing-forecast-rebuild": ("A F F M M F F M", "A F F F P F F P"),
    "staffing-forecast-detail": ("A F F O O F F O", None),
    "staffing-forecast-build-list": ("A F F O O F F O", None),
    "staffing-forecast-build-detail": ("A F F O O F F O", None),
    "staffing-forecast-override-list": ("A F F O O F F O", "A F F F P F F P"),
    "staffing-forecast-override-detail": ("A F F O O F F O", None),
    "staffing-forecast-event-list": ("A F F O O F F O", "A F F F P F F P"),
    "staffing-forecast-event-detail": ("A F F O O F F O", None),
    "staffing-shift-list": ("A O O O O O O O", "A F F P P F F P"),
    "staffing-adherence-exception-list": ("A F F O O F F O", "A F F P P F F P"),
    "staffing-shift-detail": ("A O N O O N N O", None),
    "staffing-schedule-run-list": ("A F F O O F F O", "A F F F P F F P"),
    "staffing-schedule-run-detail": ("A F F O O F F O", None),
    "staffing-schedule-run-publish": ("A F F M M F F M", "A F F F P F F P"),
    # Time off: own (agents), the teams' (supervisors), all (planners, admins); QA and HR
    # see their own only. Trades: own and open offers; the teams'; all.
    "staffing-time-off-list": ("A O O O O O O O", "A P P P P P P P"),
    "staffing-time-off-detail": ("A O N O O N N O", None),
    "staffing-time-off-approve": ("A M M M M M M M", "A F N P P N N P"),
    "staffing-time-off-decline": ("A M M M M M M M", "A F N P P N N P"),
    "staffing-time-off-cancel": ("A M M M M M M M", "A P N F F N N F"),
    "staffing-shift-trade-list": ("A O O O O O O O", "A P P P P P P P"),
    "staffing-shift-trade-detail": ("A O N O O N N O", None),
    "staffing-shift-trade-take": ("A M M M M M M M", "A P N F F N N P"),
    "staffing-shift-trade-approve": ("A M M M M M M M", "A F N P P N N P"),
    "staffing-shift-trade-decline": ("A M M M M M M M", "A F N P P N N P"),
    "staffing-shift-trade-cancel": ("A M M M M M M M", "A P N F F N N F"),
    "worktype-list": ("A O O O O O O O", "A F F F F F F P"),
    "worktype-detail": ("A O O O O O O O", None),
    "customer-list": ("A O O O O O O O", None),
    "customer-detail": ("A O N O O O O O", None),
    "customer-journey": ("A O N O O O O O", None),
    "customer-erase": ("A F F F F F F M", "A F F F F F F P"),
    "workitem-list": ("A O O O O O O O", "A P P P F F F P"),
    "workitem-next": ("A M M M M M M M", "A P P F F F F P"),
    "workitem-detail": ("A O N O O O O O", None),
    "workitem-assign": ("A M M M M M M M", "A F F P F F F P"),
    "workitem-cancel": ("A M M M M M M M", "A F F P F F F P"),
    "workitem-comment": ("A M M M M M M M", "A P N P P P P P"),
    "workitem-complete": ("A M M M M M M M", "A P N F F F F F"),
    "workitem-escalate": ("A M M M M M M M", "A P N F F F F P"),
    "workitem-events": ("A O N O O O O O", None),
    "workitem-handoff": ("A M M M M M M M", "A P N F F F F P"),
    "workitem-merge": ("A M M M M M M M", "A F F P F F F P"),
    "workitem-pend": ("A M M M M M M M", "A P N F F F F P"),
    "workitem-reopen": ("A M M M M M M M", "A P N P F F F P"),
    "workitem-start": ("A M M M M M M M", "A P N F F F F F"),
    "workitem-suggested-agents": ("A F F O F F F O", None),
    "workitem-unassign": ("A M M M M M M M", "A P N P F F F P"),
    "presence-list": ("A F F O F F F O", None),
    # Contact events are signed by a contact source, not a user: an unsigned POST is a 401
    # whoever is signed in (contacts/api/views.py). Queue statistics: supervisors, planners,
    # admins (a 400 without ?date=&queue=).
    "contact-events": ("M M M M M M M M", "A 401 401 401 401 401 401 401"),
    # The same for e-mail posted by a mail provider, signed by its mailbox's webhook secret.
    "inbound-email": ("M M M M M M M M", "A 401 401 401 401 401 401 401"),
    "queue-stats": ("A F F P P F F P", None),
    "presence-me": ("A O O F F F F O", "A P P F F F F P"),
    "qa-scorecard-list": ("A O O O O O O O", None),
    "qa-scorecard-detail": ("A O O O O O O O", None),
    "qa-evaluation-list": ("A O O O O O O O", "A P P P P P P P"),
    "qa-evaluation-detail": ("A O N O N O N O", None),
    "qa-evaluation-acknowledge": ("A M M M M M M M", "A P N F N F N F"),
    "qa-evaluation-dispute": ("A M M M M M M M", "A P N F N F N F"),
    "qa-evaluation-resolve": ("A M M M M M M M", "A P P P P P P P"),
    "qa-evaluation-submit": ("A M M M M M M M", "A F N F N P N F"),
    "qa-calibration-list": ("A F F O F O F O", "A F F F F P F P"),
    "qa-calibration-eligible-items": ("A F F F F P F P", None),
    "qa-calibration-reveal": ("A F F M F M F M", "A F F N F P F P"),
    "qa-calibration-detail": ("A F F N F O F O", None),
    "qa-calibration-results": ("A F F N F P F P", None),
    "qa-coaching-list": ("A O O O O O O O", "A F F P F P F P"),
    "qa-coaching-detail": ("A O N O N O N O", None),
    "qa-coaching-complete": ("A M M M M M M M", "A F N P N P N P"),
    "training-skill-list": ("A O O O O O O O", "A F F F F F P P"),
    "training-skill-detail": ("A O O O O O O O", None),
    "training-agentskill-list": ("A O O O O O O O", "A P P P P P P P"),
    "training-agentskill-detail": ("A O N O O N O O", None),
    "training-tier-list": ("A O O O O O O O", None),
    "training-tier-report": ("A F F O F F O O", None),
    "training-tier-detail": ("A O O O O O O O", None),
    "training-tier-promote": ("A M M M M M M M", "A F F F F F P P"),
    "training-module-list": ("A O O O O O O O", "A F F F F F P P"),
    "training-module-detail": ("A O O O O O O O", None),
    "training-enrollment-list": ("A O O O O O O O", "A P P P P P P P"),
    "training-enrollment-detail": ("A O N O N N O O", None),
    "training-enrollment-result": ("A M M M M M M M", "A F N P N N P P"),
    "training-pairing-list": ("A O O O O O O O", "A F F P F F P P"),
    "training-pairing-apply": ("A M M M M M M M", "A F F P F F P P"),
    "training-pairing-suggest": ("A F F O F F O O", None),
    "training-pairing-detail": ("A O N O N N O O", None),
    "training-pairing-end": ("A M M M M M M M", "A F F P F F P P"),
    "training-recognition-list": ("A O O O O O O O", "A P P P P P P P"),
    "training-recognition-leaderboard": ("A O O O O O O O", None),
    "training-recognition-detail": ("A O N O N N O O", None),
    "training-idea-list": ("A O O O O O O O", "A P P P P P P P"),
    "training-idea-detail": ("A O O O O O O O", None),
    "training-idea-transition": ("A M M M M M M M", "A F F P F F P P"),
    "api-schema": ("O O O O O O O O", None),
    "api-docs": ("O O O O O O O O", None),
}
# fmt: on


def _codes(text: str | None) -> dict | None:
    if text is None:
        return None
    codes = text.split()
    assert len(codes) == len(ROLES), text
    return dict(zip(ROLES, codes, strict=True))


def test_every_route_has_a_rule():
    routes, _ = project_routes()
    names = {r.name for r in routes}
    missing = [f"{r.name} ({r.route})" for r in routes if r.name not in RULES]
    assert not missing, "new URL without a permission rule: " + ", ".join(missing)
    stale = sorted(set(RULES) - names)
    assert not stale, "permission rule for a URL that no longer exists: " + ", ".join(stale)
    for route in routes:
        get, post = RULES[route.name]
        _codes(get), _codes(post)
        can_post = route.accepts("post") and route.name != "logout"
        assert (post is not None) == can_post, f"{route.name}: POST rule and view disagree"


def test_skips_are_only_the_declared_kinds():
    _, skipped = project_routes()
    reasons = {reason for _, reason in skipped}
    assert all(
        r.startswith(("Django admin", "static", "uploaded", "format-suffix", "shadowed"))
        for r in reasons
    ), reasons
    assert all(route.startswith("admin/") for route, r in skipped if r.startswith("Django"))


def _request(client, method, route, url, data):
    if method == "get":
        return client.get(url, data)
    if is_api(route):
        return client.post(url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role):
    routes, _ = project_routes()
    user = world.people[role]
    client = Client()
    if user is not None:
        client.force_login(user)
    urls = {r.name: url_of(r, kwargs_for(r.name, world) or {}) for r in routes}
    wrong = []
    # Every GET first, then the POSTs: a POST may change the objects later URLs use.
    for method in ("get", "post"):
        for route in routes:
            if route.name not in RULES:  # test_every_route_has_a_rule names it
                continue
            rule = _codes(RULES[route.name][0 if method == "get" else 1])
            if rule is None:
                continue
            data = (
                query_for(route.name, world)
                if method == "get"
                else post_data_for(route.name, world)
            )
            response = _request(client, method, route, urls[route.name], data)
            got = outcome(response, anonymous=user is None, api=is_api(route))
            if not matches(rule[role], got, response):
                wrong.append(
                    f"{method.upper()} {urls[route.name]} ({route.name}) as {role}: "
                    f"expected {rule[role]}, got {got} ({response.status_code})"
                )
    assert not wrong, f"{len(wrong)} outcome(s) differ from RULES:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_admin_index(world, role):
    """Django admin: admins (staff) only; everyone else is sent to the admin login."""
    client = Client()
    if world.people[role] is not None:
        client.force_login(world.people[role])
    response = client.get("/admin/")
    if role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
