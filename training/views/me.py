"""An agent's own pages: my development, my buddy, the built-in new-hire module."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops.permissions import RoleRequiredMixin

from .. import escalations, newhire, selectors, services
from ..errors import TrainingError
from ..forms import NewHireQuizForm
from ..models import Enrollment
from .common import AGENTS, apply_errors


class MyDevelopmentView(RoleRequiredMixin, TemplateView):
    """My skills, tier and what the next tier needs, modules, buddy and points."""

    required_roles = AGENTS
    template_name = "training/me.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.my_development(self.request.user, on=timezone.localdate()))
        context["newhire_slug"] = newhire.SLUG
        return context


class MyBuddyView(RoleRequiredMixin, TemplateView):
    """My buddy (my escalation path), who has me as theirs, and open escalations."""

    required_roles = AGENTS
    template_name = "training/my_buddy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            pairing=selectors.my_buddy(user),
            buddy_of=list(selectors.buddy_of(user)),
            escalations=escalations.open_escalations(user),
        )
        return context


class NewHireModuleView(RoleRequiredMixin, View):
    """The built-in workflow module: read it, answer the quiz, get the score recorded."""

    required_roles = AGENTS
    template_name = "training/newhire.html"

    def context(self, form):
        module = services.newhire_module()
        enrollment = Enrollment.objects.filter(agent=self.request.user, module=module).first()
        return {
            "module": module,
            "enrollment": enrollment,
            "sections": newhire.SECTIONS,
            "form": form,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(NewHireQuizForm()))

    def post(self, request):
        form = NewHireQuizForm(request.POST)
        if form.is_valid():
            try:
                enrollment = services.newhire_quiz_submit(
                    agent=request.user, answers=form.cleaned_data
                )
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                score = f"{enrollment.score.normalize():f}"
                if enrollment.status == "completed":
                    messages.success(request, f"Passed with {score}%. Well done!")
                else:
                    messages.warning(
                        request,
                        f"Scored {score}%: the pass mark is "
                        f"{enrollment.module.pass_mark}%. Read it again and retry.",
                    )
                return redirect("training:newhire")
        return render(request, self.template_name, self.context(form), status=400)
