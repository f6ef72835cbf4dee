from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("office/<str:office>/", views.OfficeView.as_view(), name="office"),
    path("team/<int:pk>/", views.TeamView.as_view(), name="team"),
    path("agent/<int:pk>/", views.AgentView.as_view(), name="agent"),
    path("me/", views.MyScorecardView.as_view(), name="me"),
    path("process/", views.ProcessMapView.as_view(), name="process_map"),
    path("goals/", views.GoalListView.as_view(), name="goal_list"),
    path("goals/<int:pk>/", views.GoalDetailView.as_view(), name="goal_detail"),
    path("goals/<int:pk>/edit/", views.GoalUpdateView.as_view(), name="goal_edit"),
    path("pilots/", views.PilotListView.as_view(), name="pilot_list"),
    path("pilots/new/", views.PilotCreateView.as_view(), name="pilot_create"),
    path("pilots/<int:pk>/", views.PilotDetailView.as_view(), name="pilot_detail"),
    path("today/", views.TodayTilesPartialView.as_view(), name="today_tiles"),
    path("wallboard/", views.WallboardView.as_view(), {"office": "front"}, name="wallboard_front"),
    path("wallboard/<str:office>/", views.WallboardView.as_view(), name="wallboard"),
    path(
        "wallboard/<str:office>/live/",
        views.WallboardPartialView.as_view(),
        name="wallboard_partial",
    ),
]
