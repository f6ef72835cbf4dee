"""Routes of the work item API, included under ``/api/v1/`` by ``ccops.urls``.

A ``SimpleRouter``: the API root view belongs to ``ccops.api.urls``.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .erasure import CustomerEraseView
from .inbound_email import InboundEmailView
from .views import CustomerViewSet, PresenceViewSet, WorkItemViewSet, WorkTypeViewSet

router = SimpleRouter()
router.register("worktypes", WorkTypeViewSet, basename="worktype")
router.register("customers", CustomerViewSet, basename="customer")
router.register("workitems", WorkItemViewSet, basename="workitem")
router.register("presence", PresenceViewSet, basename="presence")
urlpatterns = [
    path("customers/<int:pk>/erase/", CustomerEraseView.as_view(), name="customer-erase"),
    path("inbound-email/", InboundEmailView.as_view(), name="inbound-email"),
    *router.urls,
]
