"""Shadowing sessions: book (refusing clashes), reflect, cancel."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from ccops.models import User
from ccops.permissions import RoleRequiredMixin

from .. import services
from ..errors import TrainingError
from ..forms import ReflectForm, ShadowingForm, local_now_input
from ..models import ShadowingSession
from ..services.common import is_hr, is_manager
from .common import EVERYONE, apply_errors, managed_agents, report_error


def _form(request, data=None):
    hosts = User.objects.filter(is_active=True).exclude(groups=None).select_related("team")
    return ShadowingForm(
        data,
        participants=managed_agents(request.user),
        hosts=hosts.order_by("display_name", "username"),
        initial={"starts_at": local_now_input()},
    )


class ShadowingListView(RoleRequiredMixin, View):
    """Managers see the sessions of the people they manage and book new ones; everyone else
    sees the sessions they take part in or host, and reflects on them."""

    required_roles = EVERYONE
    template_name = "training/shadowing.html"

    def context(self, request, form=None):
        user = request.user
        qs = ShadowingSession.objects.select_related("participant__team", "host__team")
        if is_hr(user):
            pass
        elif is_manager(user):
            qs = qs.filter(
                Q(participant__team__supervisor=user) | Q(participant=user) | Q(host=user)
            )
        else:
            qs = qs.filter(Q(participant=user) | Q(host=user))
        page = Paginator(qs.order_by("-starts_at"), 50).get_page(request.GET.get("page"))
        return {
            "sessions": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "form": (form or _form(request)) if is_manager(user) else None,
            "reflect_form": ReflectForm(),
            "now": timezone.now(),
        }

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        if not is_manager(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only HR or supervisors book shadowing.")
        form = _form(request, request.POST)
        if form.is_valid():
            try:
                session = services.shadowing_schedule(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{session.participant} shadows {session.host} on "
                    f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}.",
                )
                return redirect("training:shadowing_list")
        return render(request, self.template_name, self.context(request, form), status=400)


class ShadowingReflectView(RoleRequiredMixin, View):
    required_roles = EVERYONE

    def post(self, request, pk):
        session = get_object_or_404(ShadowingSession, pk=pk)
        try:
            if request.POST.get("cancel"):
                services.shadowing_cancel(session=session, by=request.user)
                messages.success(request, "Session cancelled.")
            else:
                services.shadowing_reflect(
                    session=session, by=request.user, reflection=request.POST.get("reflection", "")
                )
                messages.success(request, "Reflection saved.")
        except TrainingError as exc:
            report_error(request, exc)
        return redirect("training:shadowing_list")
