"""Who may do what in staffing (Admins hold every role through ``User.has_role``)."""

from ccops.choices import Role

# Plans, forecasts, the calculators and intraday are read by planners and supervisors.
PLAN_READERS = (Role.PLANNER, Role.SUPERVISOR)
# Forecasts, overrides and plans are written by planners.
PLAN_WRITERS = (Role.PLANNER,)
# Shifts: planners edit everybody's; supervisors their own teams' agents.
SHIFT_EDITORS = (Role.PLANNER, Role.SUPERVISOR)


def supervised_team_ids(user) -> set[int]:
    """Teams ``user`` supervises (cached on the instance: asked per row in imports)."""
    if not hasattr(user, "_supervised_team_ids"):
        user._supervised_team_ids = set(user.supervised_teams.values_list("id", flat=True))
    return user._supervised_team_ids


def can_edit_shifts_of(user, agent) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.PLANNER):
        return True
    if user.has_role(Role.SUPERVISOR):
        return agent.team_id is not None and agent.team_id in supervised_team_ids(user)
    return False


def can_see_all_shifts(user) -> bool:
    return user.is_authenticated and user.has_role(*SHIFT_EDITORS)
