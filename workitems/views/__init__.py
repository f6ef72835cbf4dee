"""HTML pages of work items, split by who uses them."""

from .agent import ClaimNextView, MyWorkView, PresenceSetView
from .attachments import AttachmentDownloadView
from .customers import CustomerDetailView
from .imports import ImportTemplateView, ImportView
from .items import ItemActionView, ItemDetailView
from .public import PublicStatusView
from .supervisor import (
    BacklogPartialView,
    BulkAssignView,
    PresenceBoardView,
    QueueExportView,
    QueueView,
)

__all__ = [
    "AttachmentDownloadView",
    "BacklogPartialView",
    "BulkAssignView",
    "ClaimNextView",
    "CustomerDetailView",
    "ImportTemplateView",
    "ImportView",
    "ItemActionView",
    "ItemDetailView",
    "MyWorkView",
    "PresenceBoardView",
    "PresenceSetView",
    "PublicStatusView",
    "QueueExportView",
    "QueueView",
]
