from rest_framework.routers import DefaultRouter

from .views import (
    CalibrationSessionViewSet,
    CoachingSessionViewSet,
    EvaluationViewSet,
    ScorecardViewSet,
)

router = DefaultRouter()
router.include_root_view = False
router.register("quality/scorecards", ScorecardViewSet, basename="qa-scorecard")
router.register("quality/evaluations", EvaluationViewSet, basename="qa-evaluation")
router.register(
    "quality/calibration-sessions", CalibrationSessionViewSet, basename="qa-calibration"
)
router.register("quality/coaching-sessions", CoachingSessionViewSet, basename="qa-coaching")
urlpatterns = router.urls
