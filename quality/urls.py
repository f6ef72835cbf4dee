from django.urls import path

from .views import calibration, coaching, evaluations, my_quality, scorecards

app_name = "quality"
urlpatterns = [
    path("queue/", evaluations.QueueView.as_view(), name="queue"),
    path("queue/sample/", evaluations.SampleDrawView.as_view(), name="sample_draw"),
    path("evaluations/", evaluations.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/start/", evaluations.EvaluationStartView.as_view(), name="evaluation_start"),
    path(
        "evaluations/<int:pk>/",
        evaluations.EvaluationDetailView.as_view(),
        name="evaluation_detail",
    ),
    path(
        "evaluations/<int:pk>/edit/",
        evaluations.EvaluationFormView.as_view(),
        name="evaluation_edit",
    ),
    path(
        "evaluations/<int:pk>/acknowledge/",
        evaluations.EvaluationRespondView.as_view(),
        {"action": "acknowledge"},
        name="evaluation_acknowledge",
    ),
    path(
        "evaluations/<int:pk>/dispute/",
        evaluations.EvaluationRespondView.as_view(),
        {"action": "dispute"},
        name="evaluation_dispute",
    ),
    path(
        "evaluations/<int:pk>/resolve/",
        evaluations.EvaluationResolveView.as_view(),
        name="evaluation_resolve",
    ),
    path("mine/", my_quality.MyQualityView.as_view(), name="my_quality"),
    path("calibration/", calibration.CalibrationListView.as_view(), name="calibration_list"),
    path(
        "calibration/new/", calibration.CalibrationCreateView.as_view(), name="calibration_create"
    ),
    path(
        "calibration/new/items/",
        calibration.CalibrationItemPickerView.as_view(),
        name="calibration_item_picker",
    ),
    path(
        "calibration/<int:pk>/",
        calibration.CalibrationDetailView.as_view(),
        name="calibration_detail",
    ),
    path("coaching/", coaching.CoachingListView.as_view(), name="coaching_list"),
    path("coaching/new/", coaching.CoachingCreateView.as_view(), name="coaching_create"),
    path("coaching/<int:pk>/", coaching.CoachingDetailView.as_view(), name="coaching_detail"),
    path("coaching/<int:pk>/done/", coaching.CoachingCompleteView.as_view(), name="coaching_done"),
    path("coaching/tips/", coaching.TipLibraryView.as_view(), name="tip_list"),
    path("coaching/tips/new/", coaching.TipCreateView.as_view(), name="tip_create"),
    path("scorecards/", scorecards.ScorecardListView.as_view(), name="scorecard_list"),
    path("scorecards/new/", scorecards.ScorecardEditView.as_view(), name="scorecard_create"),
    path("scorecards/<int:pk>/", scorecards.ScorecardDetailView.as_view(), name="scorecard_detail"),
    path(
        "scorecards/<int:pk>/edit/", scorecards.ScorecardEditView.as_view(), name="scorecard_edit"
    ),
]
