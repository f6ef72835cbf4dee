"""Time-off and shift-trade pages: the panel on My schedule (request, cancel, offer, take)
and the supervisors' and planners' "Time off" page (pending requests and taken trades of
their teams, approve or decline with a reason)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import services
from .. import time_off_selectors as sel
from ..errors import StaffingError
from ..models import Shift, ShiftTrade, TimeOffRequest
from ..time_off_forms import ReasonForm, TimeOffRequestForm
from .common import error_message

DECIDERS = (Role.SUPERVISOR, Role.PLANNER)
PER_PAGE = 25


def panel_context(user, form=None) -> dict:
    """What My schedule's time-off panel shows (a constant number of queries)."""
    year = timezone.localdate().year
    return {
        "time_off_form": form or TimeOffRequestForm(),
        "time_off_requests": list(
            TimeOffRequest.objects.filter(agent=user).order_by("-start", "-pk")[:20]
        ),
        "time_off_balance": sel.balance(user, year),
        "offerable_shifts": list(sel.offerable_shifts(user)[:20]),
        "open_offers": list(sel.open_offers_for(user)[:20]),
        "my_trades": list(sel.my_trades(user)[:20]),
    }


def _my_schedule() -> str:
    return reverse("staffing:my_schedule")


def _refused(exc: StaffingError):
    return HttpResponse(exc.message, status=403)


class TimeOffRequestView(RoleRequiredMixin, View):
    required_roles = (Role.AGENT,)

    def post(self, request):
        form = TimeOffRequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                req = services.time_off_request(
                    agent=request.user,
                    by=request.user,
                    start=data["start"],
                    end=data["end"],
                    kind=data["kind"],
                    note=data["note"],
                )
            except StaffingError as exc:
                if exc.status_code == 403:
                    return _refused(exc)
                error_message(request, exc)
            else:
                messages.success(request, f"Time off requested ({req.get_status_display()}).")
        else:
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect(_my_schedule())


class TimeOffCancelView(RoleRequiredMixin, View):
    required_roles = (Role.AGENT,)

    def post(self, request, pk):
        req = get_object_or_404(TimeOffRequest, pk=pk, agent=request.user)
        try:
            services.time_off_cancel(request=req, by=request.user)
        except StaffingError as exc:
            error_message(request, exc)
        else:
            messages.success(request, "Request cancelled.")
        return redirect(_my_schedule())


class TradeOfferView(RoleRequiredMixin, View):
    required_roles = (Role.AGENT,)

    def post(self, request):
        raw = request.POST.get("shift") or ""
        shift = (
            Shift.objects.filter(pk=int(raw), agent=request.user).first() if raw.isdigit() else None
        )
        if shift is None:
            messages.error(request, "shift: Not one of your shifts.")
            return redirect(_my_schedule())
        try:
            services.trade_offer(shift=shift, by=request.user)
        except StaffingError as exc:
            error_message(request, exc)
        else:
            messages.success(request, "Shift offered.")
        return redirect(_my_schedule())


class TradeActionView(RoleRequiredMixin, View):
    """Take an open offer, or withdraw one's own."""

    required_roles = (Role.AGENT,)

    def post(self, request, pk, action):
        trade = get_object_or_404(sel.trades_visible_to(request.user), pk=pk)
        try:
            if action == "take":
                services.trade_take(trade=trade, by=request.user)
                done = "Shift taken; waiting for approval."
            elif action == "cancel":
                services.trade_cancel(trade=trade, by=request.user)
                done = "Offer withdrawn."
            else:
                return HttpResponse("Unknown action.", status=404)
        except StaffingError as exc:
            if exc.status_code == 403:
                return _refused(exc)
            error_message(request, exc)
        else:
            messages.success(request, done)
        return redirect(_my_schedule())


class TimeOffListView(RoleRequiredMixin, TemplateView):
    """Pending time off and taken trades of the user's teams (all for planners)."""

    template_name = "staffing/time_off.html"
    required_roles = DECIDERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        pending = sel.pending_requests_for(user).select_related("agent__team")
        page = Paginator(pending, PER_PAGE).get_page(self.request.GET.get("page"))
        ctx.update(
            page_obj=page,
            requests=list(page.object_list),
            trades=list(sel.trades_awaiting(user)[:PER_PAGE]),
            reason_form=ReasonForm(),
        )
        return ctx


class _DecideView(RoleRequiredMixin, View):
    """Approve or decline (with a reason) one thing on the Time off page: a subclass names
    the object it decides on and the two services."""

    required_roles = DECIDERS

    def target(self, request, pk):
        raise NotImplementedError

    def decide(self, obj, decision, by, reason):
        raise NotImplementedError

    def done(self, obj, decision) -> str:
        raise NotImplementedError

    def post(self, request, pk, decision):
        obj = self.target(request, pk)
        if decision not in ("approve", "decline"):
            return HttpResponse("Unknown decision.", status=404)
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            self.decide(obj, decision, request.user, reason)
        except StaffingError as exc:
            if exc.status_code == 403:
                return _refused(exc)
            error_message(request, exc)
        else:
            messages.success(request, self.done(obj, decision))
        return redirect(reverse("staffing:time_off"))


class TimeOffDecideView(_DecideView):
    def target(self, request, pk):
        return get_object_or_404(sel.requests_visible_to(request.user), pk=pk)

    def decide(self, obj, decision, by, reason):
        act = services.time_off_approve if decision == "approve" else services.time_off_decline
        act(request=obj, by=by, reason=reason)

    def done(self, obj, decision) -> str:
        return f"Time off of {obj.agent} {decision}d."


class TradeDecideView(_DecideView):
    def target(self, request, pk):
        return get_object_or_404(
            sel.trades_visible_to(request.user).filter(status=ShiftTrade.Status.TAKEN), pk=pk
        )

    def decide(self, obj, decision, by, reason):
        act = services.trade_approve if decision == "approve" else services.trade_decline
        act(trade=obj, by=by, reason=reason)

    def done(self, obj, decision) -> str:
        return f"Trade {decision}d."
