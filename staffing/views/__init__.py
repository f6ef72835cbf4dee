from .adherence import AdherenceView
from .calculators import BacklogPlanView, ErlangCalculatorView
from .flex_moves import FlexApplyView
from .forecasts import (
    ForecastEventCreateView,
    ForecastEventDeleteView,
    ForecastListView,
    ForecastRebuildView,
    ForecastTypeView,
)
from .intraday import IntradayView
from .plans import PlanActionView, PlanDetailView, PlanLineOverrideView, PlanListView
from .schedule import (
    MyScheduleView,
    ScheduleExportView,
    ScheduleGridView,
    ScheduleImportView,
    ShiftDeleteView,
)
from .schedule_runs import (
    ScheduledShiftAddView,
    ScheduledShiftDeleteView,
    ScheduledShiftEditView,
    ScheduledShiftLockView,
    ScheduleRunDetailView,
    ScheduleRunListView,
    ScheduleRunPublishView,
)
from .time_off import (
    TimeOffCancelView,
    TimeOffDecideView,
    TimeOffListView,
    TimeOffRequestView,
    TradeActionView,
    TradeDecideView,
    TradeOfferView,
)
from .workforce import (
    AgentRulesClearView,
    AgentRulesEditView,
    AllowanceSetView,
    BalancesExportView,
    BalancesView,
    RulesView,
    TeamAutoApproveView,
    TeamRulesEditView,
)

__all__ = [
    "AgentRulesClearView",
    "AgentRulesEditView",
    "AllowanceSetView",
    "BalancesExportView",
    "BalancesView",
    "RulesView",
    "TeamAutoApproveView",
    "TeamRulesEditView",
    "FlexApplyView",
    "AdherenceView",
    "BacklogPlanView",
    "ErlangCalculatorView",
    "ForecastEventCreateView",
    "ForecastEventDeleteView",
    "ForecastListView",
    "ForecastRebuildView",
    "ForecastTypeView",
    "IntradayView",
    "MyScheduleView",
    "PlanActionView",
    "PlanDetailView",
    "PlanLineOverrideView",
    "PlanListView",
    "ScheduleExportView",
    "ScheduleGridView",
    "ScheduleImportView",
    "ScheduleRunDetailView",
    "ScheduleRunListView",
    "ScheduleRunPublishView",
    "ScheduledShiftAddView",
    "ScheduledShiftDeleteView",
    "ScheduledShiftEditView",
    "ScheduledShiftLockView",
    "ShiftDeleteView",
    "TimeOffCancelView",
    "TimeOffDecideView",
    "TimeOffListView",
    "TimeOffRequestView",
    "TradeActionView",
    "TradeDecideView",
    "TradeOfferView",
]
