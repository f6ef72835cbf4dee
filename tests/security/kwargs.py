"""URL kwargs of every route that has some, filled from the ``world`` fixture.

Team A's objects (``agent``'s own where an object belongs to a person): the agent and
their supervisor own them, the other-team agent does not.
"""


def _pk(obj):
    return {"pk": obj.pk}


KWARGS = {
    # pages
    "dashboard:office": lambda w: {"office": "front"},
    "dashboard:wallboard": lambda w: {"office": "front"},
    "dashboard:wallboard_partial": lambda w: {"office": "back"},
    "dashboard:team": lambda w: _pk(w.a.team),
    "dashboard:agent": lambda w: _pk(w.a.agent),
    "dashboard:pilot_detail": lambda w: _pk(w.pilot),
    "dashboard:goal_detail": lambda w: _pk(w.goal),
    "dashboard:goal_edit": lambda w: _pk(w.goal),
    "staffing:forecast_type": lambda w: _pk(w.front_type),
    "staffing:forecast_event_delete": lambda w: _pk(w.event),
    "staffing:plan_detail": lambda w: _pk(w.plan),
    "staffing:plan_line_override": lambda w: {"pk": w.plan.pk, "line_pk": w.line.pk},
    "staffing:plan_action": lambda w: {"pk": w.plan.pk, "action": "copy"},
    "staffing:shift_delete": lambda w: _pk(w.a.shift),
    "staffing:schedule_run": lambda w: _pk(w.run),
    "staffing:schedule_run_publish": lambda w: _pk(w.run),
    "staffing:scheduled_shift_edit": lambda w: _pk(w.run_shift),
    "staffing:scheduled_shift_lock": lambda w: _pk(w.run_shift),
    "staffing:scheduled_shift_add": lambda w: _pk(w.run),
    "staffing:scheduled_shift_delete": lambda w: _pk(w.run_shift),
    "staffing:time_off_cancel": lambda w: _pk(w.a.time_off),
    "staffing:time_off_approve": lambda w: _pk(w.a.time_off),
    "staffing:time_off_decline": lambda w: _pk(w.a.time_off),
    "staffing:trade_take": lambda w: _pk(w.a.trade),
    "staffing:trade_cancel": lambda w: _pk(w.a.trade),
    "staffing:trade_approve": lambda w: _pk(w.a.trade),
    "staffing:trade_decline": lambda w: _pk(w.a.trade),
    "staffing:team_rules": lambda w: _pk(w.a.team),
    "staffing:team_auto_approve": lambda w: _pk(w.a.team),
    "staffing:agent_rules": lambda w: _pk(w.a.agent),
    "staffing:agent_rules_clear": lambda w: _pk(w.a.agent),
    "quality:evaluation_detail": lambda w: _pk(w.a.evaluation),
    "quality:evaluation_edit": lambda w: _pk(w.a.evaluation),
    "quality:evaluation_acknowledge": lambda w: _pk(w.a.evaluation),
    "quality:evaluation_dispute": lambda w: _pk(w.a.evaluation),
    "quality:evaluation_resolve": lambda w: _pk(w.a.evaluation),
    "quality:calibration_detail": lambda w: _pk(w.calibration),
    "quality:coaching_detail": lambda w: _pk(w.a.coaching),
    "quality:coaching_done": lambda w: _pk(w.a.coaching),
    "quality:scorecard_detail": lambda w: _pk(w.card),
    "quality:scorecard_edit": lambda w: _pk(w.card),
    "ccops:notification_open": lambda w: _pk(w.a.notification),
    "ccops:guide_page": lambda w: {"page": "agent"},
    "workitems:item_detail": lambda w: _pk(w.a.item),
    "workitems:item_attachment": lambda w: {"pk": w.a.item.pk, "attachment_pk": w.a.attachment.pk},
    "workitems:item_action": lambda w: {"pk": w.a.item.pk, "action": "comment"},
    "workitems:customer_detail": lambda w: _pk(w.a.customer),
    "workitems:public_status": lambda w: {"token": w.a.token},
    "training:agent_skill_edit": lambda w: {"agent_pk": w.a.agent.pk, "skill_pk": w.skill.pk},
    "training:agent_profile": lambda w: _pk(w.a.agent),
    "training:promote": lambda w: _pk(w.a.agent),
    "training:assess": lambda w: _pk(w.a.agent),
    "training:module_detail": lambda w: _pk(w.module),
    "training:enrollment_result": lambda w: _pk(w.a.enrollment),
    "training:shadowing_reflect": lambda w: _pk(w.a.shadowing),
    "training:pairing_end": lambda w: _pk(w.a.pairing),
    "training:points_of": lambda w: _pk(w.a.agent),
    "training:idea_detail": lambda w: _pk(w.idea),
    # API
    "team-detail": lambda w: _pk(w.a.team),
    "notification-read": lambda w: _pk(w.a.notification),
    "user-detail": lambda w: _pk(w.a.agent),
    "kpi-snapshot-detail": lambda w: _pk(w.a.snapshot),
    "goal-detail": lambda w: _pk(w.goal),
    "pilot-detail": lambda w: _pk(w.pilot),
    "pilot-results": lambda w: _pk(w.pilot),
    "staffing-plan-detail": lambda w: _pk(w.plan),
    "staffing-plan-build": lambda w: _pk(w.plan),
    "staffing-plan-copy": lambda w: _pk(w.plan),
    "staffing-plan-publish": lambda w: _pk(w.plan),
    "staffing-plan-line-detail": lambda w: _pk(w.line),
    "staffing-forecast-detail": lambda w: _pk(w.forecast),
    "staffing-forecast-build-detail": lambda w: _pk(w.build),
    "staffing-forecast-override-detail": lambda w: _pk(w.override),
    "staffing-forecast-event-detail": lambda w: _pk(w.event),
    "staffing-shift-detail": lambda w: _pk(w.a.shift),
    "staffing-schedule-run-detail": lambda w: _pk(w.run),
    "staffing-schedule-run-publish": lambda w: _pk(w.run),
    "staffing-time-off-detail": lambda w: _pk(w.a.time_off),
    "staffing-time-off-approve": lambda w: _pk(w.a.time_off),
    "staffing-time-off-decline": lambda w: _pk(w.a.time_off),
    "staffing-time-off-cancel": lambda w: _pk(w.a.time_off),
    "staffing-shift-trade-detail": lambda w: _pk(w.a.trade),
    "staffing-shift-trade-take": lambda w: _pk(w.a.trade),
    "staffing-shift-trade-approve": lambda w: _pk(w.a.trade),
    "staffing-shift-trade-decline": lambda w: _pk(w.a.trade),
    "staffing-shift-trade-cancel": lambda w: _pk(w.a.trade),
    "worktype-detail": lambda w: _pk(w.front_type),
    "customer-detail": lambda w: _pk(w.a.customer),
    "customer-journey": lambda w: _pk(w.a.customer),
    "customer-erase": lambda w: _pk(w.a.customer),
    "qa-scorecard-detail": lambda w: _pk(w.card),
    "qa-calibration-detail": lambda w: _pk(w.calibration),
    "qa-calibration-results": lambda w: _pk(w.calibration),
    "qa-calibration-reveal": lambda w: _pk(w.calibration),
    "qa-coaching-detail": lambda w: _pk(w.a.coaching),
    "qa-coaching-complete": lambda w: _pk(w.a.coaching),
    "training-skill-detail": lambda w: _pk(w.skill),
    "training-agentskill-detail": lambda w: _pk(w.a.agent_skill),
    "training-tier-detail": lambda w: _pk(w.tier),
    "training-tier-promote": lambda w: _pk(w.tier),
    "training-module-detail": lambda w: _pk(w.module),
    "training-enrollment-detail": lambda w: _pk(w.a.enrollment),
    "training-enrollment-result": lambda w: _pk(w.a.enrollment),
    "training-pairing-detail": lambda w: _pk(w.a.pairing),
    "training-pairing-end": lambda w: _pk(w.a.pairing),
    "training-recognition-detail": lambda w: _pk(w.a.recognition),
    "training-idea-detail": lambda w: _pk(w.idea),
    "training-idea-transition": lambda w: _pk(w.idea),
}
# Every work item and evaluation endpoint with an id takes team A's item / evaluation.
PREFIXED = {"workitem-": lambda w: _pk(w.a.item), "qa-evaluation-": lambda w: _pk(w.a.evaluation)}


def kwargs_for(name: str, world) -> dict | None:
    if name in KWARGS:
        return KWARGS[name](world)
    for prefix, fill in PREFIXED.items():
        if name.startswith(prefix) and not name.endswith(("-list", "-next")):
            return fill(world)
    return None


# Query strings and form data that let a request reach the check under test.
QUERY = {
    "training:assess": lambda w: {"tier": w.tier.pk},
}
POST_DATA = {
    "training:assess": lambda w: {"tier": w.tier.pk},
    "training:promote": lambda w: {"tier": w.tier.pk},
    "training:shadowing_reflect": lambda w: {"reflection": "Learned where claims go."},
    # Valid bodies: the object and the caller are checked after the body is.
    "qa-evaluation-dispute": lambda w: {"reason": "The customer asked for it."},
    "training-enrollment-result": lambda w: {"score": 80},
}


def query_for(name: str, world) -> dict:
    return QUERY[name](world) if name in QUERY else {}


def post_data_for(name: str, world) -> dict:
    return POST_DATA[name](world) if name in POST_DATA else {}
