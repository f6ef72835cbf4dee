"""Training API under /api/v1/training/. A ``SimpleRouter``: the API root belongs to ccops."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("training/skills", views.SkillViewSet, basename="training-skill")
router.register("training/agent-skills", views.AgentSkillViewSet, basename="training-agentskill")
router.register("training/tiers", views.TierViewSet, basename="training-tier")
router.register("training/modules", views.ModuleViewSet, basename="training-module")
router.register("training/enrollments", views.EnrollmentViewSet, basename="training-enrollment")
router.register("training/pairings", views.PairingViewSet, basename="training-pairing")
router.register("training/recognitions", views.RecognitionViewSet, basename="training-recognition")
router.register("training/ideas", views.IdeaViewSet, basename="training-idea")
urlpatterns = router.urls
