"""A customer's journey across both offices: contacts, cases and the hand-offs between."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from ccops.choices import Office, Role
from ccops.permissions import STAFF_ROLES

from .. import selectors
from ..choices import EventKind
from ..models import Customer, WorkItem


class CustomerDetailView(LoginRequiredMixin, DetailView):
    """Staff see any customer; an agent sees a customer whose work they can see (the journey
    then shows the whole path, so whoever serves the customer knows what happened before)."""

    template_name = "workitems/customer_detail.html"
    context_object_name = "customer"

    def get_object(self, queryset=None):
        customer = get_object_or_404(Customer, pk=self.kwargs["pk"])
        user = self.request.user
        if user.has_role(*STAFF_ROLES):
            return customer
        if (
            user.has_role(Role.AGENT)
            and WorkItem.objects.visible_to(user).filter(customer=customer).exists()
        ):
            return customer
        raise Http404("No such customer.")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        journey = selectors.customer_journey(customer=self.object)
        handed_to: dict[int, list] = {}
        for entry in journey:
            origin_id = entry["item"].origin_id
            if origin_id:
                handed_to.setdefault(origin_id, []).append(entry["item"])
        for entry in journey:
            item = entry["item"]
            entry["front"] = entry["office"] == Office.FRONT
            entry["handed_to"] = handed_to.get(item.pk, [])
            entry["reopened"] = sum(1 for e in entry["events"] if e.kind == EventKind.REOPENED)
        ctx.update(
            journey=journey,
            front_count=sum(1 for e in journey if e["front"]),
            back_count=sum(1 for e in journey if not e["front"]),
            open_count=sum(1 for e in journey if e["item"].is_open),
            handoff_count=sum(1 for e in journey if e["item"].origin_id),
        )
        return ctx
