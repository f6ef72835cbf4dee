from rest_framework.routers import DefaultRouter

from .views import TeamViewSet, UserViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")
urlpatterns = router.urls
