"""Buddy pairings: the list with loads, suggestions to preview and apply, pair by hand."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from ccops.choices import Office
from ccops.models import User
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..errors import TrainingError
from ..forms import PairForm, agents_qs
from ..models import BuddyPairing
from .common import MANAGERS, apply_errors, managed_agents, query_string, report_error


def _pair_form(request, data=None):
    return PairForm(data, agents=managed_agents(request.user), buddies=agents_qs())


class PairingListView(RoleRequiredMixin, ListView):
    required_roles = MANAGERS
    template_name = "training/pairings.html"
    paginate_by = 50
    context_object_name = "pairings"

    def get_queryset(self):
        return selectors.pairing_list(
            office=self.request.GET.get("office", ""), on=timezone.localdate()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        preview = None
        if self.request.GET.get("preview"):
            result = services.buddy_suggest()
            ids = {p.agent_id for p in result.pairs} | {p.buddy_id for p in result.pairs}
            ids |= {a for a, _ in result.unpaired}
            names = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("team")}
            preview = {
                "cap": result.cap,
                "pairs": [(names[p.agent_id], names[p.buddy_id], p) for p in result.pairs],
                "unpaired": [(names[a], why) for a, why in result.unpaired],
            }
        context.update(
            unpaired=list(selectors.unpaired_agents()[:100]),
            preview=preview,
            cap=services.load_cap(),
            form=kwargs.get("form") or _pair_form(self.request),
            offices=Office.choices,
            query_string=query_string(self.request),
        )
        return context


class PairingApplyView(RoleRequiredMixin, View):
    required_roles = MANAGERS

    def post(self, request):
        try:
            result = services.buddy_pairings_apply(by=request.user)
        except TrainingError as exc:
            report_error(request, exc)
        else:
            text = f"{result['created']} pairings made (at most {result['cap']} per buddy)."
            if result["unpaired"]:
                text += f" {len(result['unpaired'])} could not be paired."
            messages.success(request, text)
        return redirect("training:pairing_list")


class PairView(RoleRequiredMixin, View):
    required_roles = MANAGERS

    def post(self, request):
        form = _pair_form(request, request.POST)
        if form.is_valid():
            try:
                pairing = services.buddy_pair(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{pairing.agent}'s buddy is now {pairing.buddy}.")
                return redirect("training:pairing_list")
        view = PairingListView()
        view.setup(request)
        view.object_list = view.get_queryset()
        context = view.get_context_data(form=form)
        return render(request, view.template_name, context, status=400)


class PairingEndView(RoleRequiredMixin, View):
    required_roles = MANAGERS

    def post(self, request, pk):
        pairing = get_object_or_404(BuddyPairing.objects.select_related("agent"), pk=pk)
        try:
            services.buddy_pairing_end(pairing=pairing, by=request.user)
        except TrainingError as exc:
            report_error(request, exc)
        else:
            messages.success(request, f"{pairing.agent}'s pairing ended.")
        return redirect("training:pairing_list")
