"""Team staffing settings (auto-approval) and scheduling rules, edited in the app.

Auto-approval is a team's switch (:class:`staffing.models.TeamStaffingSettings`), set by the
team's supervisor, a planner or an admin. A team without a row falls back to the
``STAFFING_AUTO_APPROVE`` setting (off by default), which is therefore only the default of
new teams; an agent without a team follows that default too.

Scheduling rules (:class:`staffing.models.ScheduleRules`): a team's defaults and an agent's
override are written by planners and admins only, validated by the solver's own
:meth:`staffing.scheduling.Rules.check` (through ``rules_from``), so the page, the admin's
values and the solver agree on what is a valid rule set.

Concurrency: writes lock the team (or the agent's user) row first, so two saves of the same
settings serialise and the one-to-one row is created once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ccops.audit import audited
from ccops.choices import Role
from ccops.models import Team

from ..errors import InvalidInput, NotAllowed
from ..models import ScheduleRules, TeamStaffingSettings
from ..permissions import supervised_team_ids
from ..schedule_selectors import agent_rules_row, rules_from
from ..scheduling import ScheduleInputError

User = get_user_model()

RULE_FIELDS = (
    "min_hours_week",
    "max_hours_week",
    "shift_lengths",
    "earliest_start",
    "latest_end",
    "days_off_per_week",
    "min_rest_hours",
    "meal_break_after_hours",
    "meal_break_minutes",
    "start_step_minutes",
)
# Rules.check() names its values the solver's way; the page names the model's fields.
CHECK_FIELDS = {
    "min_hours": "min_hours_week",
    "days_off": "days_off_per_week",
    "start_step": "start_step_minutes",
    "meal_minutes": "meal_break_minutes",
}


def auto_approval_default() -> bool:
    return bool(getattr(settings, "STAFFING_AUTO_APPROVE", False))


def auto_approval_enabled(*team_ids: int | None) -> bool:
    """True when every given team has auto-approval on (a team without a settings row, or
    ``None`` for an agent without a team, takes ``STAFFING_AUTO_APPROVE``). One query."""
    default = auto_approval_default()
    wanted = {t for t in team_ids if t is not None}
    rows = dict(
        TeamStaffingSettings.objects.filter(team_id__in=wanted).values_list(
            "team_id", "auto_approve"
        )
    )
    return bool(team_ids) and all(
        rows.get(t, default) if t is not None else default for t in team_ids
    )


def can_edit_team_settings(user, team_id: int) -> bool:
    """The team's supervisor, a planner or an admin."""
    if not (user and user.is_authenticated):
        return False
    if user.has_role(Role.PLANNER):
        return True
    return user.has_role(Role.SUPERVISOR) and team_id in supervised_team_ids(user)


def can_edit_rules(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.PLANNER))


def team_auto_approve_set(*, team: Team, enabled: bool, by) -> TeamStaffingSettings:
    if not can_edit_team_settings(by, team.pk):
        raise NotAllowed("Only the team's supervisor, a planner or an admin changes this.")
    if not isinstance(enabled, bool):
        raise InvalidInput("Must be on or off.", field="auto_approve")
    with transaction.atomic():
        list(Team.objects.select_for_update().filter(pk=team.pk).values_list("pk"))
        row = TeamStaffingSettings.objects.filter(team=team).first()
        if row is None:
            row = TeamStaffingSettings(team=team)
        elif row.auto_approve == enabled:
            return row
        row.auto_approve = enabled
        audited(row, by).save()
    return row


def _checked(row: ScheduleRules) -> None:
    """Field validators and ``clean`` (the model's), then the solver's ``Rules.check``."""
    try:
        row.full_clean(exclude=["team", "agent"])
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors) from None
    try:
        rules_from(row).check()
    except ScheduleInputError as exc:
        raise InvalidInput(exc.message, field=CHECK_FIELDS.get(exc.field, exc.field)) from None


def schedule_rules_set(*, by, values: dict, team: Team | None = None, agent=None) -> ScheduleRules:
    """Create or change the rules of ``team`` (its defaults) or of ``agent`` (their override
    of the team's, as a whole). ``values``: any of :data:`RULE_FIELDS`."""
    if not can_edit_rules(by):
        raise NotAllowed("Only planners and admins change scheduling rules.")
    if (team is None) == (agent is None):
        raise InvalidInput("Name a team or an agent.", field="team")
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput("Unknown rule.", field=sorted(unknown)[0])
    with transaction.atomic():
        if team is not None:
            list(Team.objects.select_for_update().filter(pk=team.pk).values_list("pk"))
            row = ScheduleRules.objects.filter(team=team).first() or ScheduleRules(team=team)
        else:
            list(User.objects.select_for_update().filter(pk=agent.pk).values_list("pk"))
            row, _ = agent_rules_row(agent)
        for name, value in values.items():
            setattr(row, name, value)
        _checked(row)
        audited(row, by).save()
    return row


def schedule_rules_clear(*, by, agent) -> bool:
    """Remove ``agent``'s override (they follow their team's rules again)."""
    if not can_edit_rules(by):
        raise NotAllowed("Only planners and admins change scheduling rules.")
    with transaction.atomic():
        row = ScheduleRules.objects.select_for_update().filter(agent=agent).first()
        if row is None:
            return False
        audited(row, by).delete()
    return True
