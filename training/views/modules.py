"""Training modules: the catalogue (HR adds), a module's enrollments, enrol, results."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from ccops.permissions import RoleRequiredMixin

from .. import services
from ..choices import EnrollmentStatus
from ..errors import TrainingError
from ..forms import EnrollForm, ModuleForm, ResultForm
from ..models import Enrollment, TrainingModule
from ..services.common import is_hr
from .common import HR, MANAGERS, apply_errors, managed_agents, report_error


class ModuleListView(RoleRequiredMixin, ListView):
    required_roles = MANAGERS
    template_name = "training/module_list.html"
    paginate_by = 50
    context_object_name = "modules"

    def get_queryset(self):
        return TrainingModule.objects.annotate(
            enrolled=Count("enrollments", filter=~Q(enrollments__status="withdrawn")),
            completed=Count("enrollments", filter=Q(enrollments__status="completed")),
        ).order_by("-active", "title")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_hr"] = is_hr(self.request.user)
        context["form"] = kwargs.get("form") or ModuleForm()
        return context


class ModuleCreateView(RoleRequiredMixin, View):
    required_roles = HR

    def post(self, request):
        form = ModuleForm(request.POST)
        if form.is_valid():
            try:
                module = services.module_create(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Module {module} added.")
                return redirect("training:module_detail", pk=module.pk)
        view = ModuleListView()
        view.setup(request)
        view.object_list = view.get_queryset()
        context = view.get_context_data(form=form)
        return render(request, view.template_name, context, status=400)


class ModuleDetailView(RoleRequiredMixin, View):
    """A module's enrollments (HR and supervisors see whom they manage); enrol someone,
    record a result."""

    required_roles = MANAGERS
    template_name = "training/module_detail.html"
    paginate_by = 50

    def context(self, request, module, enroll_form=None):
        from django.core.paginator import Paginator

        agents = managed_agents(request.user)
        rows = (
            Enrollment.objects.filter(module=module, agent__in=agents)
            .select_related("agent__team")
            .order_by("status", "agent__display_name", "agent__username")
        )
        page = Paginator(rows, self.paginate_by).get_page(request.GET.get("page"))
        return {
            "module": module,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "enrollments": page.object_list,
            "enroll_form": enroll_form or EnrollForm(agents=agents),
            "result_form": ResultForm(),
            "open_statuses": (
                EnrollmentStatus.ENROLLED,
                EnrollmentStatus.IN_PROGRESS,
                EnrollmentStatus.FAILED,
            ),
        }

    def get(self, request, pk):
        module = get_object_or_404(TrainingModule, pk=pk)
        return render(request, self.template_name, self.context(request, module))

    def post(self, request, pk):
        module = get_object_or_404(TrainingModule, pk=pk)
        form = EnrollForm(request.POST, agents=managed_agents(request.user))
        if form.is_valid():
            try:
                services.enrollment_create(
                    agent=form.cleaned_data["agent"], module=module, by=request.user
                )
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{form.cleaned_data['agent']} enrolled.")
                return redirect("training:module_detail", pk=module.pk)
        context = self.context(request, module, enroll_form=form)
        return render(request, self.template_name, context, status=400)


class EnrollmentResultView(RoleRequiredMixin, View):
    """POST: record a score (completes at the pass mark) or withdraw."""

    required_roles = MANAGERS

    def post(self, request, pk):
        enrollment = get_object_or_404(Enrollment.objects.select_related("agent", "module"), pk=pk)
        try:
            if request.POST.get("withdraw"):
                services.enrollment_withdraw(enrollment=enrollment, by=request.user)
                messages.success(request, f"{enrollment.agent} withdrawn.")
            else:
                form = ResultForm(request.POST)
                if not form.is_valid():
                    field, errors = next(iter(form.errors.items()))
                    messages.error(request, f"{field.replace('_', ' ').capitalize()}: {errors[0]}")
                else:
                    row = services.enrollment_record_result(
                        enrollment=enrollment, by=request.user, **form.cleaned_data
                    )
                    messages.success(
                        request,
                        f"{row.agent}: {row.score:g} - {row.get_status_display().lower()}.",
                    )
        except TrainingError as exc:
            report_error(request, exc)
        return redirect("training:module_detail", pk=enrollment.module_id)
