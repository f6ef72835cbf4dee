from django.urls import path

from . import views as v

app_name = "training"
urlpatterns = [
    path("", v.MyDevelopmentView.as_view(), name="me"),
    path("buddy/", v.MyBuddyView.as_view(), name="my_buddy"),
    path("welcome/", v.NewHireModuleView.as_view(), name="newhire"),
    path("skills/", v.SkillsMatrixView.as_view(), name="matrix"),
    path(
        "skills/<int:agent_pk>/<int:skill_pk>/",
        v.AgentSkillEditView.as_view(),
        name="agent_skill_edit",
    ),
    path("tiers/", v.TierReportView.as_view(), name="tier_report"),
    path("tiers/setup/", v.TierSetupView.as_view(), name="tier_setup"),
    path("tiers/setup/competency/", v.TierRequirementView.as_view(), name="tier_requirement"),
    path("tiers/recompute/", v.RecomputeView.as_view(), name="tier_recompute"),
    path("people/<int:pk>/", v.AgentProfileView.as_view(), name="agent_profile"),
    path("people/<int:pk>/promote/", v.PromoteView.as_view(), name="promote"),
    path("people/<int:pk>/assess/", v.AssessmentCreateView.as_view(), name="assess"),
    path("modules/", v.ModuleListView.as_view(), name="module_list"),
    path("modules/new/", v.ModuleCreateView.as_view(), name="module_create"),
    path("modules/<int:pk>/", v.ModuleDetailView.as_view(), name="module_detail"),
    path(
        "enrollments/<int:pk>/result/", v.EnrollmentResultView.as_view(), name="enrollment_result"
    ),
    path("shadowing/", v.ShadowingListView.as_view(), name="shadowing_list"),
    path("shadowing/<int:pk>/", v.ShadowingReflectView.as_view(), name="shadowing_reflect"),
    path("buddies/", v.PairingListView.as_view(), name="pairing_list"),
    path("buddies/apply/", v.PairingApplyView.as_view(), name="pairing_apply"),
    path("buddies/pair/", v.PairView.as_view(), name="pair"),
    path("buddies/<int:pk>/end/", v.PairingEndView.as_view(), name="pairing_end"),
    path("recognition/", v.LeaderboardView.as_view(), name="leaderboard"),
    path("recognition/give/", v.GiveRecognitionView.as_view(), name="give"),
    path("points/", v.PointsStatementView.as_view(), name="points"),
    path("points/<int:pk>/", v.PointsStatementView.as_view(), name="points_of"),
    path("incentives/", v.SchemeListView.as_view(), name="scheme_list"),
    path("ideas/", v.IdeaListView.as_view(), name="idea_list"),
    path("ideas/<int:pk>/", v.IdeaDetailView.as_view(), name="idea_detail"),
]
