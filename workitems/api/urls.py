"""Routes of the work item API, included under ``/api/v1/`` by ``ccops.urls``.

A ``SimpleRouter``: the API root view belongs to ``ccops.api.urls``.
"""

from rest_framework.routers import SimpleRouter

from .views import CustomerViewSet, PresenceViewSet, WorkItemViewSet, WorkTypeViewSet

router = SimpleRouter()
router.register("worktypes", WorkTypeViewSet, basename="worktype")
router.register("customers", CustomerViewSet, basename="customer")
router.register("workitems", WorkItemViewSet, basename="workitem")
router.register("presence", PresenceViewSet, basename="presence")
urlpatterns = router.urls
