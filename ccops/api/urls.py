from rest_framework.routers import DefaultRouter

from .notifications import NotificationViewSet
from .views import TeamViewSet, UserViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
