"""A customer's journey across both offices: contacts, cases and the hand-offs between."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from ccops.choices import Office

from .. import selectors
from ..choices import EventKind


class CustomerDetailView(LoginRequiredMixin, DetailView):
    """A customer whose work the user can see, with the journey of that work: the same rule
    as the item page (``WorkItem.objects.visible_to``), so a supervisor sees the whole path
    and an agent only the items they could open one by one. No visible item: 404."""

    template_name = "workitems/customer_detail.html"
    context_object_name = "customer"

    def get_object(self, queryset=None):
        return get_object_or_404(
            selectors.visible_customers(self.request.user), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        journey = selectors.customer_journey(customer=self.object, user=self.request.user)
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
