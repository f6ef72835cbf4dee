"""CSV import for supervisors: one file, all rows or none, with a report per bad row."""

from django.contrib import messages
from django.http import HttpResponse
from django.views import View
from django.views.generic import FormView

from ccops import uploads

from .. import csv_io
from ..forms import ImportForm
from ..models import WorkType
from .supervisor import SupervisorRequiredMixin


class ImportView(SupervisorRequiredMixin, FormView):
    template_name = "workitems/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            columns=csv_io.COLUMNS,
            required_columns=csv_io.REQUIRED_COLUMNS,
            max_rows=csv_io.max_rows(),
            max_size=uploads.human_size(uploads.csv_max_bytes()),
            work_types=WorkType.objects.filter(active=True).order_by("office", "name"),
        )
        return ctx

    def form_invalid(self, form):
        # No file, or one over the size or row limit (the form error names the limit).
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        report = csv_io.import_csv(data=upload.read(), by=self.request.user)
        if report.ok:
            messages.success(
                self.request,
                f"Imported {report.created} new item(s) from {upload.name}; "
                f"{report.already_imported} were already imported.",
            )
        else:
            messages.error(self.request, f"Nothing was imported from {upload.name}.")
        return self.render_to_response(
            self.get_context_data(form=ImportForm(), report=report, filename=upload.name),
            status=200 if report.ok else 400,
        )


class ImportTemplateView(SupervisorRequiredMixin, View):
    def get(self, request):
        names = list(
            WorkType.objects.filter(active=True)
            .order_by("-office", "name")[:2]
            .values_list("name", flat=True)
        )
        response = HttpResponse(csv_io.template_csv(names), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="work-items-template.csv"'
        return response
