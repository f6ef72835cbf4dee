"""Training pages, one module per subject."""

from .buddies import PairingApplyView, PairingEndView, PairingListView, PairView
from .ideas import IdeaDetailView, IdeaListView
from .me import MyBuddyView, MyDevelopmentView, NewHireModuleView
from .modules import EnrollmentResultView, ModuleCreateView, ModuleDetailView, ModuleListView
from .recognition import GiveRecognitionView, LeaderboardView, PointsStatementView, SchemeListView
from .shadowing import ShadowingListView, ShadowingReflectView
from .skills import AgentSkillEditView, SkillsMatrixView
from .tiers import (
    AgentProfileView,
    AssessmentCreateView,
    PromoteView,
    RecomputeView,
    TierReportView,
    TierRequirementView,
    TierSetupView,
)

__all__ = [
    "AgentProfileView",
    "AgentSkillEditView",
    "AssessmentCreateView",
    "EnrollmentResultView",
    "GiveRecognitionView",
    "IdeaDetailView",
    "IdeaListView",
    "LeaderboardView",
    "ModuleCreateView",
    "ModuleDetailView",
    "ModuleListView",
    "MyBuddyView",
    "MyDevelopmentView",
    "NewHireModuleView",
    "PairView",
    "PairingApplyView",
    "PairingEndView",
    "PairingListView",
    "PointsStatementView",
    "PromoteView",
    "RecomputeView",
    "SchemeListView",
    "ShadowingListView",
    "ShadowingReflectView",
    "SkillsMatrixView",
    "TierReportView",
    "TierRequirementView",
    "TierSetupView",
]
