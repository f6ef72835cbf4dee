from rest_framework.routers import DefaultRouter

from .views import KpiSnapshotViewSet, PilotViewSet, SharedGoalViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("kpis", KpiSnapshotViewSet, basename="kpi-snapshot")
router.register("goals", SharedGoalViewSet, basename="goal")
router.register("pilots", PilotViewSet, basename="pilot")
urlpatterns = router.urls
