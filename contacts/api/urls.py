"""Routes of the contacts API, included under ``/api/v1/`` by ``ccops.urls``."""

from django.urls import path

from .views import ContactEventsView, QueueStatsView

urlpatterns = [
    path("contact-events/", ContactEventsView.as_view(), name="contact-events"),
    path("queue-stats/", QueueStatsView.as_view(), name="queue-stats"),
]
