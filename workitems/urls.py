from django.urls import path

from . import views

app_name = "workitems"

urlpatterns = [
    path("", views.MyWorkView.as_view(), name="my_work"),
    path("next/", views.ClaimNextView.as_view(), name="claim_next"),
    path("presence/me/", views.PresenceSetView.as_view(), name="presence_set"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="item_detail"),
    path("items/<int:pk>/<slug:action>/", views.ItemActionView.as_view(), name="item_action"),
    path(
        "items/<int:pk>/attachments/<int:attachment_pk>/",
        views.AttachmentDownloadView.as_view(),
        name="item_attachment",
    ),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("queue/backlog/", views.BacklogPartialView.as_view(), name="queue_backlog"),
    path("queue/export.csv", views.QueueExportView.as_view(), name="queue_export"),
    path("queue/assign/", views.BulkAssignView.as_view(), name="bulk_assign"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("presence/", views.PresenceBoardView.as_view(), name="presence_board"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template.csv", views.ImportTemplateView.as_view(), name="import_template"),
    # Public: the customer's signed link (no login).
    path("status/<str:token>/", views.PublicStatusView.as_view(), name="public_status"),
]
