"""Scorecard admin for QA: list, create, edit (new version when in use), view versions."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView, ListView

from ccops.audit import can_view_history, history_rows_for
from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..errors import QualityError
from ..forms import CriterionFormSet, ScorecardForm
from ..models import Scorecard
from .common import report_error

CRITERION_FIELDS = [
    "section",
    "key",
    "text",
    "guidance",
    "weight",
    "kind",
    "scale_max",
    "critical",
    "na_allowed",
    "required",
]


class ScorecardListView(RoleRequiredMixin, ListView):
    required_roles = (Role.QA,)
    template_name = "quality/scorecard_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            Scorecard.objects.filter(is_current=True)
            .annotate(n_criteria=Count("criteria", distinct=True))
            .annotate(n_evaluations=Count("evaluations", distinct=True))
            .order_by("name")
        )


class ScorecardDetailView(RoleRequiredMixin, DetailView):
    required_roles = (Role.QA,)
    template_name = "quality/scorecard_detail.html"
    context_object_name = "scorecard"

    def get_queryset(self):
        return selectors.scorecards(include_old=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = list(
            Scorecard.objects.filter(family=self.object.family)
            .annotate(n_evaluations=Count("evaluations"))
            .order_by("-version")
        )
        context["in_use"] = any(
            v.n_evaluations for v in context["versions"] if v.pk == self.object.pk
        )
        # Only QA (and Admins) open this page, so QA, the owner role, sees the trail.
        context["show_history"] = can_view_history(self.request.user, Role.QA)
        if context["show_history"]:
            context["history"] = history_rows_for(
                Scorecard.history.filter(family=self.object.family), label_field="version"
            )
        return context


class ScorecardEditView(RoleRequiredMixin, View):
    """Create (no pk) or edit the current version (pk); the service decides on versioning."""

    required_roles = (Role.QA,)
    template_name = "quality/scorecard_form.html"

    def get_scorecard(self, pk):
        if pk is None:
            return None
        return get_object_or_404(
            Scorecard.objects.prefetch_related(selectors.criteria_prefetch(), "work_types"),
            pk=pk,
        )

    def render_page(self, scorecard, form, formset, status=200):
        return render(
            self.request,
            self.template_name,
            {"scorecard": scorecard, "form": form, "formset": formset},
            status=status,
        )

    def get(self, request, pk=None):
        scorecard = self.get_scorecard(pk)
        if scorecard is not None and not scorecard.is_current:
            messages.info(request, "Old versions are read-only; this is the current one.")
            current = Scorecard.objects.get(family=scorecard.family, is_current=True)
            return redirect("quality:scorecard_edit", pk=current.pk)
        form = ScorecardForm(
            initial=(
                {
                    "name": scorecard.name,
                    "description": scorecard.description,
                    "office": scorecard.office,
                    "work_types": list(scorecard.work_types.all()),
                    "pass_mark": scorecard.pass_mark,
                }
                if scorecard
                else {"pass_mark": 80}
            )
        )
        rows = []
        if scorecard:
            for c in scorecard.criteria.all():
                row = {f: getattr(c, f) for f in CRITERION_FIELDS if f != "section"}
                rows.append({**row, "section": c.section.title})
        formset = CriterionFormSet(initial=rows, prefix="criteria")
        return self.render_page(scorecard, form, formset)

    def post(self, request, pk=None):
        scorecard = self.get_scorecard(pk)
        form = ScorecardForm(request.POST)
        formset = CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() and formset.is_valid():
            kept = [
                f
                for f in formset.forms
                if f.has_changed() and not f.cleaned_data.get("DELETE", False)
            ]
            criteria = [
                {k: f.cleaned_data.get(k) for k in CRITERION_FIELDS if k in f.cleaned_data}
                for f in kept
            ]
            try:
                saved = services.scorecard_save(
                    by=request.user,
                    scorecard=scorecard,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    office=form.cleaned_data["office"],
                    work_types=form.cleaned_data["work_types"],
                    pass_mark=form.cleaned_data["pass_mark"],
                    criteria=criteria,
                )
            except QualityError as exc:
                if not exc.errors:
                    report_error(request, exc)
                for key, msgs in exc.errors.items():
                    parts = key.split(".")
                    for msg in msgs:
                        if parts[0] == "criteria" and len(parts) == 3 and int(parts[1]) < len(kept):
                            kept[int(parts[1])].add_error(parts[2], msg)
                        elif key in form.fields:
                            form.add_error(key, msg)
                        else:
                            form.add_error(None, msg)
            else:
                if scorecard is not None and saved.pk != scorecard.pk:
                    messages.success(
                        request,
                        f"{scorecard} is in use, so your changes are saved as {saved}; "
                        "existing evaluations keep their version.",
                    )
                else:
                    messages.success(request, f"{saved} saved.")
                return redirect("quality:scorecard_detail", pk=saved.pk)
        return self.render_page(scorecard, form, formset, status=400)
