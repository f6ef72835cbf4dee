from django.urls import path
from rest_framework.routers import DefaultRouter

from . import adherence, schedules, time_off, views

router = DefaultRouter()
router.register("staffing/plans", views.StaffingPlanViewSet, basename="staffing-plan")
router.register("staffing/plan-lines", views.PlanLineViewSet, basename="staffing-plan-line")
router.register("staffing/forecasts", views.ForecastValueViewSet, basename="staffing-forecast")
router.register(
    "staffing/forecast-builds", views.ForecastBuildViewSet, basename="staffing-forecast-build"
)
router.register(
    "staffing/forecast-overrides",
    views.ForecastOverrideViewSet,
    basename="staffing-forecast-override",
)
router.register(
    "staffing/forecast-events", views.ForecastEventViewSet, basename="staffing-forecast-event"
)
router.register("staffing/shifts", views.ShiftViewSet, basename="staffing-shift")
router.register(
    "staffing/schedule-runs", schedules.ScheduleRunViewSet, basename="staffing-schedule-run"
)
router.register("staffing/time-off", time_off.TimeOffViewSet, basename="staffing-time-off")
router.register(
    "staffing/shift-trades", time_off.ShiftTradeViewSet, basename="staffing-shift-trade"
)
router.register(
    "staffing/adherence-exceptions",
    adherence.AdherenceExceptionViewSet,
    basename="staffing-adherence-exception",
)

urlpatterns = [
    path("staffing/erlang/", views.ErlangView.as_view(), name="staffing-erlang"),
    path("staffing/backlog-plan/", views.BacklogPlanView.as_view(), name="staffing-backlog-plan"),
    *router.urls,
]
