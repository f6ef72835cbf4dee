from django.urls import path

from . import views

app_name = "staffing"

urlpatterns = [
    path("erlang/", views.ErlangCalculatorView.as_view(), name="erlang"),
    path("backlog/", views.BacklogPlanView.as_view(), name="backlog"),
    path("forecasts/", views.ForecastListView.as_view(), name="forecasts"),
    path("forecasts/rebuild/", views.ForecastRebuildView.as_view(), name="forecast_rebuild"),
    path("forecasts/<int:pk>/", views.ForecastTypeView.as_view(), name="forecast_type"),
    path("forecasts/events/", views.ForecastEventCreateView.as_view(), name="forecast_event_add"),
    path(
        "forecasts/events/<int:pk>/delete/",
        views.ForecastEventDeleteView.as_view(),
        name="forecast_event_delete",
    ),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path(
        "plans/<int:pk>/lines/<int:line_pk>/override/",
        views.PlanLineOverrideView.as_view(),
        name="plan_line_override",
    ),
    path(
        "plans/<int:pk>/<slug:action>/",
        views.PlanActionView.as_view(),
        name="plan_action",
    ),
    path("schedule/", views.ScheduleGridView.as_view(), name="schedule"),
    path("schedule/export.csv", views.ScheduleExportView.as_view(), name="schedule_export"),
    path("schedule/import/", views.ScheduleImportView.as_view(), name="schedule_import"),
    path("schedule/shifts/<int:pk>/delete/", views.ShiftDeleteView.as_view(), name="shift_delete"),
    path("my-schedule/", views.MyScheduleView.as_view(), name="my_schedule"),
    path("schedule-runs/", views.ScheduleRunListView.as_view(), name="schedule_runs"),
    path("schedule-runs/<int:pk>/", views.ScheduleRunDetailView.as_view(), name="schedule_run"),
    path(
        "schedule-runs/<int:pk>/publish/",
        views.ScheduleRunPublishView.as_view(),
        name="schedule_run_publish",
    ),
    path(
        "schedule-runs/shifts/<int:pk>/",
        views.ScheduledShiftEditView.as_view(),
        name="scheduled_shift_edit",
    ),
    path(
        "schedule-runs/<int:pk>/shifts/add/",
        views.ScheduledShiftAddView.as_view(),
        name="scheduled_shift_add",
    ),
    path(
        "schedule-runs/shifts/<int:pk>/lock/",
        views.ScheduledShiftLockView.as_view(),
        name="scheduled_shift_lock",
    ),
    # After the lock: the security matrix POSTs in this order, and a delete ends the shift.
    path(
        "schedule-runs/shifts/<int:pk>/delete/",
        views.ScheduledShiftDeleteView.as_view(),
        name="scheduled_shift_delete",
    ),
    path("intraday/", views.IntradayView.as_view(), name="intraday"),
    path("my-schedule/time-off/", views.TimeOffRequestView.as_view(), name="time_off_request"),
    path(
        "my-schedule/time-off/<int:pk>/cancel/",
        views.TimeOffCancelView.as_view(),
        name="time_off_cancel",
    ),
    path("my-schedule/trades/offer/", views.TradeOfferView.as_view(), name="trade_offer"),
    path(
        "my-schedule/trades/<int:pk>/take/",
        views.TradeActionView.as_view(),
        {"action": "take"},
        name="trade_take",
    ),
    path(
        "my-schedule/trades/<int:pk>/cancel/",
        views.TradeActionView.as_view(),
        {"action": "cancel"},
        name="trade_cancel",
    ),
    path("time-off/", views.TimeOffListView.as_view(), name="time_off"),
    path(
        "time-off/<int:pk>/approve/",
        views.TimeOffDecideView.as_view(),
        {"decision": "approve"},
        name="time_off_approve",
    ),
    path(
        "time-off/<int:pk>/decline/",
        views.TimeOffDecideView.as_view(),
        {"decision": "decline"},
        name="time_off_decline",
    ),
    path(
        "time-off/trades/<int:pk>/approve/",
        views.TradeDecideView.as_view(),
        {"decision": "approve"},
        name="trade_approve",
    ),
    path(
        "time-off/trades/<int:pk>/decline/",
        views.TradeDecideView.as_view(),
        {"decision": "decline"},
        name="trade_decline",
    ),
    path("adherence/", views.AdherenceView.as_view(), name="adherence"),
    path("intraday/flex/apply/", views.FlexApplyView.as_view(), name="flex_apply"),
    path("rules/", views.RulesView.as_view(), name="rules"),
    path("rules/teams/<int:pk>/", views.TeamRulesEditView.as_view(), name="team_rules"),
    path(
        "rules/teams/<int:pk>/auto-approve/",
        views.TeamAutoApproveView.as_view(),
        name="team_auto_approve",
    ),
    path("rules/agents/<int:pk>/", views.AgentRulesEditView.as_view(), name="agent_rules"),
    path(
        "rules/agents/<int:pk>/clear/",
        views.AgentRulesClearView.as_view(),
        name="agent_rules_clear",
    ),
    path("balances/", views.BalancesView.as_view(), name="balances"),
    path("balances/export/", views.BalancesExportView.as_view(), name="balances_export"),
    path("balances/allowance/", views.AllowanceSetView.as_view(), name="allowance_set"),
]
