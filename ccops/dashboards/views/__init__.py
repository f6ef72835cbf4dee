from .goals import GoalDetailView, GoalListView, GoalUpdateView
from .live import TodayTilesPartialView, WallboardPartialView, WallboardView
from .overview import AgentView, MyScorecardView, OfficeView, OverviewView, TeamView
from .pilots import PilotCreateView, PilotDetailView, PilotListView
from .process import ProcessMapView

__all__ = [
    "AgentView",
    "GoalDetailView",
    "GoalListView",
    "GoalUpdateView",
    "MyScorecardView",
    "OfficeView",
    "OverviewView",
    "PilotCreateView",
    "PilotDetailView",
    "PilotListView",
    "ProcessMapView",
    "TeamView",
    "TodayTilesPartialView",
    "WallboardPartialView",
    "WallboardView",
]
