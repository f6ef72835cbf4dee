"""The idea board: everyone submits, HR and supervisors review; implemented ideas earn
their authors points."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from ccops.models import User
from ccops.permissions import RoleRequiredMixin

from .. import services
from ..choices import IDEA_TRANSITIONS, IdeaStatus
from ..errors import TrainingError
from ..forms import IdeaForm, IdeaMoveForm
from ..models import Idea
from ..services.common import is_manager
from .common import EVERYONE, apply_errors, query_string


def _people():
    return (
        User.objects.filter(is_active=True)
        .exclude(groups=None)
        .order_by("display_name", "username")
    )


class IdeaListView(RoleRequiredMixin, ListView):
    required_roles = EVERYONE
    template_name = "training/ideas.html"
    paginate_by = 30
    context_object_name = "ideas"

    def get_queryset(self):
        qs = Idea.objects.select_related("submitted_by").prefetch_related("co_authors")
        status = self.request.GET.get("status", "")
        if status in IdeaStatus.values:
            qs = qs.filter(status=status)
        if self.request.GET.get("mine"):
            qs = qs.filter(submitted_by=self.request.user)
        return qs.order_by("-submitted_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=kwargs.get("form") or IdeaForm(people=_people()),
            statuses=IdeaStatus.choices,
            query_string=query_string(self.request),
        )
        return context

    def post(self, request):
        form = IdeaForm(request.POST, people=_people())
        if form.is_valid():
            try:
                idea = services.idea_submit(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Thank you! Your idea '{idea}' is on the board.")
                return redirect("training:idea_detail", pk=idea.pk)
        self.object_list = self.get_queryset()
        context = self.get_context_data(form=form)
        return render(request, self.template_name, context, status=400)


class IdeaDetailView(RoleRequiredMixin, View):
    required_roles = EVERYONE
    template_name = "training/idea_detail.html"

    def context(self, request, idea, form=None):
        allowed = sorted(IDEA_TRANSITIONS[idea.status])
        can_review = is_manager(request.user) and bool(allowed)
        return {
            "idea": idea,
            "co_authors": list(idea.co_authors.all()),
            "awards": list(idea.awards.select_related("agent")),
            "form": (form or IdeaMoveForm(allowed=allowed)) if can_review else None,
        }

    def load(self, pk):
        return get_object_or_404(Idea.objects.select_related("submitted_by", "reviewer"), pk=pk)

    def get(self, request, pk):
        idea = self.load(pk)
        return render(request, self.template_name, self.context(request, idea))

    def post(self, request, pk):
        idea = self.load(pk)
        form = IdeaMoveForm(request.POST, allowed=sorted(IDEA_TRANSITIONS[idea.status]))
        if not is_manager(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only HR or supervisors review ideas.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                idea = services.idea_transition(
                    idea=idea,
                    to_status=data["status"],
                    by=request.user,
                    notes=data["notes"],
                    points=data["points"],
                )
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Idea is now {idea.get_status_display().lower()}.")
                return redirect("training:idea_detail", pk=idea.pk)
        return render(request, self.template_name, self.context(request, idea, form), status=400)
