"""Every staffing write, in one namespace: ``from staffing import services``."""

from .forecasts import (
    forecast_build,
    forecast_build_all,
    forecast_event_create,
    forecast_event_delete,
    forecast_event_update,
    forecast_event_validate,
    forecast_override_delete,
    forecast_override_set,
)
from .plans import (
    plan_build,
    plan_copy,
    plan_create,
    plan_delete,
    plan_line_set_override,
    plan_publish,
    plan_update,
)
from .rules import (
    auto_approval_enabled,
    schedule_rules_clear,
    schedule_rules_set,
    team_auto_approve_set,
)
from .schedules import (
    schedule_run_create,
    schedule_run_execute,
    schedule_run_part_execute,
    schedule_run_publish,
    scheduled_shift_lock,
    scheduled_shift_update,
)
from .shifts import ShiftRow, shift_create, shift_delete, shift_update, shifts_import
from .time_off import (
    allowance_set,
    time_off_approve,
    time_off_auto_approvable,
    time_off_cancel,
    time_off_decline,
    time_off_request,
)
from .trades import trade_approve, trade_cancel, trade_decline, trade_offer, trade_take

__all__ = [
    "schedule_rules_clear",
    "schedule_rules_set",
    "team_auto_approve_set",
    "ShiftRow",
    "allowance_set",
    "auto_approval_enabled",
    "forecast_build",
    "forecast_build_all",
    "forecast_event_create",
    "forecast_event_delete",
    "forecast_event_update",
    "forecast_event_validate",
    "forecast_override_delete",
    "forecast_override_set",
    "plan_build",
    "plan_copy",
    "plan_create",
    "plan_delete",
    "plan_line_set_override",
    "plan_publish",
    "plan_update",
    "schedule_run_create",
    "schedule_run_execute",
    "schedule_run_part_execute",
    "schedule_run_publish",
    "scheduled_shift_lock",
    "scheduled_shift_update",
    "shift_create",
    "shift_delete",
    "shift_update",
    "shifts_import",
    "time_off_approve",
    "time_off_auto_approvable",
    "time_off_cancel",
    "time_off_decline",
    "time_off_request",
    "trade_approve",
    "trade_cancel",
    "trade_decline",
    "trade_offer",
    "trade_take",
]
