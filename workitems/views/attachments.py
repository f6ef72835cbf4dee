"""An e-mail attachment of a case, downloaded by whoever may see the case."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View

from ..models import EmailAttachment, WorkItem


class AttachmentDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk: int, attachment_pk: int):
        item = get_object_or_404(WorkItem.objects.visible_to(request.user).only("pk"), pk=pk)
        attachment = get_object_or_404(EmailAttachment, pk=attachment_pk, item=item)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file is no longer stored.") from exc
        # Always a download of opaque bytes: a customer's HTML or SVG never renders as a
        # page of ours.
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
